import { describe, expect, it } from 'vitest';
import { agentsOf, approvalNotice } from '../../../src/oauth/approvals/notice.js';
import type { PendingIssuance } from '../../../src/oauth/approvals/pending.js';
import type { DecisionInput } from '../../../src/policy/contract.js';

const issuance: PendingIssuance = {
  token: {
    issuer: 'https://mandate.example',
    sub: 'alice',
    aud: 'https://payments.example',
    clientId: 'mcp-pay',
    scopes: ['pay'],
    act: { sub: 'mcp-pay', act: { sub: 'claude', act: { sub: 7 } } },
    jkt: 'thumb',
  },
  subjectExp: 9_000,
  issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
  subjectJti: 'subject-jti-secret',
};
const input = { subject: { sub: 'alice' }, context: { tool: 'transfer' } } as unknown as DecisionInput;
const obligation = { binding_message: 'pay 10 EUR to bob' } as { binding_message: string };

describe('agentsOf', () => {
  it('lists the act chain, current actor first, skipping members without a string sub', () => {
    expect(agentsOf(issuance.token.act)).toEqual(['mcp-pay', 'claude']);
    expect(agentsOf(undefined)).toEqual([]);
    expect(agentsOf('x')).toEqual([]);
    expect(agentsOf({ act: { sub: 'inner' } })).toEqual(['inner']);
  });
});

describe('approvalNotice', () => {
  it('says who asks, for whom, for what and why, and where to approve', () => {
    const notice = approvalNotice('ap-1', 'https://mandate.example/approvals/ap-1', {
      input,
      obligation: obligation as never,
      issuance,
      clientBindingMessage: 'order 42',
      expiresAt: 1_300,
    });
    expect(notice).toEqual({
      approval_id: 'ap-1',
      approval_url: 'https://mandate.example/approvals/ap-1',
      binding_message: 'pay 10 EUR to bob',
      client_binding_message: 'order 42',
      subject: 'alice',
      client_id: 'mcp-pay',
      agents: ['mcp-pay', 'claude'],
      service: 'https://payments.example',
      scopes: ['pay'],
      tool: 'transfer',
      expires_at: 1_300,
    });
  });

  it('carries no token material, and leaves out what was not given', () => {
    const notice = approvalNotice('ap-2', 'u', {
      input: { ...input, context: {} } as DecisionInput,
      obligation: obligation as never,
      issuance,
      expiresAt: 1,
    });
    expect(notice).not.toHaveProperty('client_binding_message');
    expect(notice).not.toHaveProperty('tool');
    const text = JSON.stringify(notice);
    for (const secret of ['subject-jti-secret', 'thumb', 'auth_req_id']) expect(text).not.toContain(secret);
  });
});
