import { describe, expect, it } from 'vitest';
import { pendingOf, POLL_INTERVAL_SECONDS } from '../../../src/oauth/approvals/pending.js';
import type { ApprovalRecord } from '../../../src/store/approvals.js';

describe('pendingOf', () => {
  it('reads the stored obligation, input, decision and issuance back, each from its own column', () => {
    const record: ApprovalRecord = {
      id: 'ap1',
      authReqIdHash: 'h',
      clientId: 'agent',
      sub: 'alice',
      iss: 'https://idp.example',
      obligation: { binding_message: 'pay 10 EUR', approvers: ['bob'] },
      clientBindingMessage: null,
      input: { action: { name: 'token_exchange' } },
      decision: { allow: true, scopes: ['pay'] },
      issuance: { issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token', subjectExp: 2000 },
      status: 'pending',
      createdAt: 1000,
      expiresAt: 1300,
      pollInterval: POLL_INTERVAL_SECONDS,
      lastPolledAt: null,
      decidedBy: null,
      decidedAt: null,
      issuedAt: null,
    };
    const p = pendingOf(record);
    expect(p.record).toBe(record);
    expect(p.obligation).toEqual({ binding_message: 'pay 10 EUR', approvers: ['bob'] });
    expect(p.input).toEqual({ action: { name: 'token_exchange' } });
    expect(p.decision).toEqual({ allow: true, scopes: ['pay'] });
    expect(p.issuance.subjectExp).toBe(2000);
  });

  it('tells clients to poll every 5 seconds at first (CIBA §7.3)', () => {
    expect(POLL_INTERVAL_SECONDS).toBe(5);
  });
});
