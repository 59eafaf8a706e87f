/**
 * The example APIs' data: a small CRM and a small HR system. Everything is keyed by the user's
 * `sub` (the subject of the Mandate token), which is all the APIs know about who is calling.
 */

export interface Account {
  id: string;
  name: string;
  industry: string;
  owner: string;
}

export interface Opportunity {
  id: string;
  accountId: string;
  name: string;
  stage: string;
  amount: number;
  owner: string;
}

export const STAGES = [
  'Prospecting',
  'Qualification',
  'Proposal',
  'Negotiation',
  'Closed Won',
  'Closed Lost',
];

export interface Employee {
  id: string;
  name: string;
  title: string;
  department: string;
  manager: string | null;
  /** Only for HR (scope hr.records.read). */
  record: { salary: number; currency: string; startDate: string; rating: string };
}

export interface TimeOff {
  id: string;
  employee: string;
  from: string;
  to: string;
  status: 'approved' | 'pending';
}

/** Fresh copies, so that each server (and each test) starts from the same state. */
export function crmData(): { accounts: Account[]; opportunities: Opportunity[] } {
  return {
    accounts: [
      { id: 'acc-001', name: 'Acme Corp', industry: 'Manufacturing', owner: 'alice' },
      { id: 'acc-002', name: 'Globex', industry: 'Energy', owner: 'alice' },
      { id: 'acc-003', name: 'Initech', industry: 'Software', owner: 'carol' },
    ],
    opportunities: [
      {
        id: 'opp-101',
        accountId: 'acc-001',
        name: 'Acme renewal 2026',
        stage: 'Proposal',
        amount: 120_000,
        owner: 'alice',
      },
      {
        id: 'opp-102',
        accountId: 'acc-002',
        name: 'Globex pilot',
        stage: 'Prospecting',
        amount: 45_000,
        owner: 'alice',
      },
      {
        id: 'opp-103',
        accountId: 'acc-001',
        name: 'Acme global rollout',
        stage: 'Qualification',
        amount: 400_000,
        owner: 'alice',
      },
      {
        id: 'opp-201',
        accountId: 'acc-003',
        name: 'Initech expansion',
        stage: 'Negotiation',
        amount: 300_000,
        owner: 'carol',
      },
    ],
  };
}

export function hrData(): { employees: Employee[]; timeOff: TimeOff[] } {
  return {
    employees: [
      {
        id: 'alice',
        name: 'Alice Adams',
        title: 'Account Executive',
        department: 'Sales',
        manager: 'dave',
        record: { salary: 98_000, currency: 'EUR', startDate: '2021-03-01', rating: 'exceeds' },
      },
      {
        id: 'bob',
        name: 'Bob Brown',
        title: 'HR Business Partner',
        department: 'People',
        manager: 'erin',
        record: { salary: 87_000, currency: 'EUR', startDate: '2019-09-16', rating: 'meets' },
      },
      {
        id: 'carol',
        name: 'Carol Chen',
        title: 'Account Executive',
        department: 'Sales',
        manager: 'dave',
        record: { salary: 101_000, currency: 'EUR', startDate: '2020-01-06', rating: 'exceeds' },
      },
    ],
    timeOff: [
      { id: 'to-1', employee: 'alice', from: '2026-08-03', to: '2026-08-14', status: 'approved' },
      { id: 'to-2', employee: 'bob', from: '2026-12-21', to: '2026-12-31', status: 'pending' },
    ],
  };
}

/** A support case in the Salesforce org, owned by a Salesforce user (by username). */
export interface SupportCase {
  Id: string;
  CaseNumber: string;
  Subject: string;
  Status: string;
  Priority: string;
  Owner: string;
}

/**
 * The org's cases: keyed by Salesforce username, which is all the org knows about who is calling
 * (the policy's `downstream_subjects` maps Mandate's users to these names; examples/policy/data.json).
 */
export function orgCases(): SupportCase[] {
  return [
    {
      Id: '5005e00000AcmeAAA',
      CaseNumber: '00001026',
      Subject: 'Acme: invoice PDF is missing line items',
      Status: 'New',
      Priority: 'High',
      Owner: 'alice@acme.example',
    },
    {
      Id: '5005e00000GlobAAA',
      CaseNumber: '00001027',
      Subject: 'Globex: SSO login loops back to the sign-in page',
      Status: 'Working',
      Priority: 'Medium',
      Owner: 'alice@acme.example',
    },
    {
      Id: '5005e00000InitAAA',
      CaseNumber: '00001031',
      Subject: 'Initech: export to CSV times out',
      Status: 'Escalated',
      Priority: 'High',
      Owner: 'dave@acme.example',
    },
  ];
}
