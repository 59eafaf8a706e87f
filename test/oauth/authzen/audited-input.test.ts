/** Arguments a policy marks sensitive (`obligations.mask_arguments`) never reach the audit log in clear. */
import { describe, expect, it } from 'vitest';
import { MASK } from '../../../src/audit/mask.js';
import { auditedInput } from '../../../src/oauth/authzen/evaluate.js';
import type { Decision, DecisionInput } from '../../../src/policy/contract.js';

const input: DecisionInput = {
  action: 'tool_call',
  now: 1_764_140_000,
  subject: { sub: 'alice', iss: 'https://mandate.example', groups: [], claims: {} },
  client: { client_id: 'claude-desktop', trust: 'registered' },
  target: { resource: 'https://mcp.workday.example/mcp' },
  scopes: [],
  context: {
    tool: 'request_time_off',
    arguments: { from: '2026-12-24', reason: 'surgery' },
    token_jti: 'j1',
  },
};
const decision = (obligations: Decision['obligations']) => ({ obligations }) as Decision;

describe('auditedInput', () => {
  it('masks exactly the arguments the policy names', () => {
    const out = auditedInput(input, decision({ mask_arguments: ['reason'] }));
    expect(out.context.arguments).toEqual({ from: '2026-12-24', reason: MASK });
    expect(out.context.token_jti).toBe('j1');
    expect(input.context.arguments).toEqual({ from: '2026-12-24', reason: 'surgery' }); // not modified
  });

  it('keeps every argument when the policy names none', () => {
    expect(auditedInput(input, decision({})).context.arguments).toEqual(input.context.arguments);
    expect(auditedInput(input, decision({ mask_arguments: 'reason' })).context.arguments).toEqual(
      input.context.arguments,
    );
  });
});
