/**
 * The demo's connector-backed service (issue 16): the same scenes as `npm run demo` plays them
 * (alice's and carol's `list_cases`), on a test Postgres database. The Salesforce org's API trusts
 * only its login host (the token endpoint emulator); Mandate's `salesforce` connector obtains the
 * token there for the user the examples' policy data maps, in answer to the MCP server's unchanged
 * exchange, with `instance_url` passed through; a user the policy does not map is refused with no
 * call to Salesforce.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_ORG } from '../../examples/apis/salesforce-org.js';
import { CONFIG_FILE, startMandate, type DemoMandate } from '../../examples/demo/mandate.js';
import { runDemo, type DemoRun } from '../../examples/demo/run.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let db: TestDatabase;
let mandate: DemoMandate;
let run: DemoRun;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  mandate = await startMandate({ DATABASE_URL: db.url });
  run = await runDemo(mandate, { print: false, only: ['alice.cases', 'carol.cases'] });
}, 60_000);
afterAll(async () => {
  await mandate?.close();
  await db?.drop();
});

const consumerKey = (
  JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as { connectors: { consumer_key: string }[] }
).connectors[0]!.consumer_key;

describe('the demo’s connector-backed service', () => {
  it("alice's exchange returns Salesforce's own token for alice@acme.example, with instance_url", () => {
    const login = mandate.salesforceLogin;
    expect(login.requests).toHaveLength(1);
    expect(login.assertions[0]?.header).toEqual({ alg: 'RS256' });
    expect(login.assertions[0]?.claims).toMatchObject({
      iss: consumerKey,
      sub: 'alice@acme.example',
      aud: login.loginUrl,
    });
    const e = run.exchanges.find((x) => x.sub === 'alice' && x.service === 'salesforce-org');
    expect(e).toMatchObject({
      outcome: 'issued',
      tokenType: 'Bearer',
      grantedScopes: ['api', 'id', 'web'],
      extra: {
        instance_url: SALESFORCE_ORG,
        id: `${login.loginUrl}/id/${login.orgId}/0055e000001AliceAAA`,
      },
    });
    expect(e?.jti).toBeUndefined(); // opaque: not a Mandate JWT
  });

  it("the org's API serves that session as alice@acme.example: her cases only", () => {
    expect(run.calls.filter((c) => c.api === 'salesforce-org')).toEqual([
      expect.objectContaining({ status: 200, sub: 'alice@acme.example', scheme: 'Bearer' }),
    ]);
    expect(run.results['alice.cases']?.isError).toBe(false);
    const result = JSON.parse(run.results['alice.cases']!.text) as { instance: string; cases: unknown[] };
    expect(result).toEqual({
      instance: SALESFORCE_ORG,
      cases: [
        {
          CaseNumber: '00001026',
          Subject: 'Acme: invoice PDF is missing line items',
          Status: 'New',
          Priority: 'High',
        },
        {
          CaseNumber: '00001027',
          Subject: 'Globex: SSO login loops back to the sign-in page',
          Status: 'Working',
          Priority: 'Medium',
        },
      ],
    });
  });

  it('carol, whom the policy maps to no Salesforce user, is refused and Salesforce is never asked', () => {
    expect(run.results['carol.cases']).toEqual({
      isError: true,
      text: 'Access to salesforce-org (crm.read) was refused by policy: no salesforce-org identity is mapped for carol',
    });
    expect(mandate.salesforceLogin.requests).toHaveLength(1); // alice's only
    expect(mandate.salesforceLogin.assertions.map((a) => a.claims.sub)).toEqual(['alice@acme.example']);
    expect(run.exchanges.find((x) => x.sub === 'carol')).toMatchObject({
      outcome: 'refused',
      error: 'invalid_target',
    });
  });

  it('the audit names the downstream issuance and the policy’s refusal, never the token or the assertion', () => {
    const exchanges = run.audit.filter(
      (e) => e.type === 'dev.mandate.decision' && e.data.input?.action === 'token_exchange',
    );
    expect(exchanges.map((e) => [e.data.input?.subject?.sub, e.data.enforced?.allow])).toEqual([
      ['alice', true],
      ['carol', false],
    ]);
    expect(JSON.stringify(exchanges[1]?.data.enforced?.reasons)).toContain('downstream_subject_unmapped');
    // Decided with the examples' policy data on the shipped policy (examples/demo/salesforce.ts).
    expect(JSON.stringify(exchanges[0])).toMatch(/"revision":"[^"]+\+examples"/);
    const issued = run.audit.find(
      (e) => e.type === 'dev.mandate.token.issued' && e.data.downstream !== undefined,
    );
    expect(issued?.data.downstream).toEqual({
      service: 'salesforce-org',
      kind: 'salesforce',
      subject: 'alice@acme.example',
      cached: false,
    });
    expect(run.audit.some((e) => e.type === 'dev.mandate.token.refused' && e.subject === 'carol')).toBe(true);
    const audit = JSON.stringify(mandate.audit.all);
    for (const { token } of mandate.salesforceLogin.issued) expect(audit).not.toContain(token);
    for (const r of mandate.salesforceLogin.requests)
      expect(audit).not.toContain(r.assertion!.split('.')[2]!);
  });
});
