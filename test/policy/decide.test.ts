// One decision with a real compiled policy: the input checked against the contract before
// evaluation, the result checked after, invariants applied, and every failure closed as a deny
// with the cause in its reason and in the error log (decision id, bundle), never thrown.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import type { DecisionInput } from '../../src/policy/contract.js';
import { createDecide, type Current } from '../../src/policy/decide.js';
import { createEvaluator } from '../../src/policy/evaluator.js';
import { compileWasm, input } from './helpers.js';

const rego = `package mcp.authz

decision := {"allow": true, "scopes": ["crm.read", "admin"], "ttl_seconds": 600, "reasons": []} if input.context.tool == "grant"
decision := {"allow": true} if input.context.tool == "bare"
decision := {"allow": false, "reasons": [{"code": "nope", "message": "no"}]} if input.context.tool == "deny"
`;

let current: Current;
const info = { revision: 'r7', digest: 'f'.repeat(64) };
beforeAll(async () => {
  const bundle = await compileWasm({ 'mcp/authz/p.rego': rego }, ['mcp/authz/decision']);
  current = { evaluator: await createEvaluator(bundle, 'mcp/authz/decision'), info };
}, 120_000);

function setup(over: Partial<Current> = {}) {
  const log = createMemoryLogger();
  const decide = createDecide({
    entrypoint: 'mcp/authz/decision',
    current: () => ({ ...current, ...over }),
    now: () => Date.UTC(2026, 0, 1),
    log,
  });
  return { log, decide };
}
const tool = (t: string): DecisionInput => input({ context: { tool: t } });

describe('createDecide', () => {
  it('decides with the bundle in force, narrowed by the invariants', () => {
    const { decide } = setup();
    const d = decide(tool('grant'));
    expect(d).toMatchObject({
      path: 'mcp/authz/decision',
      bundle: info,
      timestamp: '2026-01-01T00:00:00.000Z',
      allow: true,
      scopes: ['crm.read'],
      result: { allow: true, scopes: ['crm.read', 'admin'], ttl_seconds: 600, reasons: [] },
    });
    expect(d.ttl_seconds).toBeLessThanOrEqual(600);
    expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(decide(tool('grant')).decision_id).not.toBe(d.decision_id);
    expect(d.metrics.timer_eval_ns).toBeGreaterThan(0);
  });

  it("keeps a deny's own reasons", () => {
    const d = setup().decide(tool('deny'));
    expect(d).toMatchObject({
      allow: false,
      scopes: [],
      ttl_seconds: 0,
      reasons: [{ code: 'nope', message: 'no' }],
    });
  });

  it('denies input outside the contract as invalid_input, naming the field, without evaluating', () => {
    let evaluated = false;
    const { decide, log } = setup({
      evaluator: { builtins: [], evaluate: () => ((evaluated = true), {}) },
    });
    const d = decide({ ...tool('grant'), now: -5 });
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([
      { code: 'invalid_input', message: expect.stringMatching(/^now: /) as string },
    ]);
    expect(d.result).toBeUndefined();
    expect(evaluated).toBe(false);
    expect(log.lines).toEqual([]);
  });

  it('fails closed as policy_error when the decision is undefined, and logs it with the bundle', () => {
    const { decide, log } = setup();
    const d = decide(tool('none'));
    expect(d).toMatchObject({ allow: false, scopes: [], ttl_seconds: 0, result: undefined });
    expect(d.reasons).toEqual([
      {
        code: 'policy_error',
        message: 'evaluation failed: policy decision mcp/authz/decision is undefined for this input',
      },
    ]);
    expect(log.lines).toEqual([
      {
        level: 'error',
        msg: 'policy evaluation failed',
        fields: {
          decision_id: d.decision_id,
          path: 'mcp/authz/decision',
          revision: 'r7',
          digest: info.digest,
          cause: 'evaluation failed: policy decision mcp/authz/decision is undefined for this input',
        },
      },
    ]);
  });

  it('fails closed as policy_result_invalid for an allow without scopes, keeping the raw result', () => {
    const { decide, log } = setup();
    const d = decide(tool('bare'));
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual([
      {
        code: 'policy_result_invalid',
        message: expect.stringMatching(
          /^the policy result is outside the decision contract: scopes: /,
        ) as string,
      },
    ]);
    expect(d.result).toEqual({ allow: true });
    expect(log.lines[0]?.msg).toBe('policy result outside the decision contract');
  });

  it('fails closed on anything unforeseen, such as a broken bundle accessor', () => {
    const { decide, log } = setup({
      evaluator: {
        builtins: [],
        evaluate: () => ({
          get allow(): boolean {
            throw new Error('getter exploded');
          },
        }),
      },
    });
    const d = decide(tool('grant'));
    expect(d).toMatchObject({
      allow: false,
      reasons: [{ code: 'policy_error', message: 'getter exploded' }],
    });
    expect(log.lines[0]?.level).toBe('error');
  });
});
