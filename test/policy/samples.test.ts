// Sample decisions a bundle carries: found only at samples/<name>.json, parsed strictly against the
// sample shape and the decision contract, and compared with the decision field by field.
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/policy/contract.js';
import { parseSample, sampleProblem, samplesIn, type Sample } from '../../src/policy/samples.js';
import { input } from './helpers.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function decision(over: Partial<Decision> = {}): Decision {
  return {
    decision_id: 'd',
    path: 'mcp/authz/decision',
    allow: true,
    scopes: ['crm.read'],
    ttl_seconds: 300,
    reasons: [{ code: 'scope_dropped', message: 'crm.write dropped' }],
    obligations: {},
    result: {},
    bundle: { revision: 'r', digest: 'd' },
    metrics: { timer_eval_ns: 1 },
    timestamp: 'T',
    ...over,
  };
}

describe('samplesIn', () => {
  it('takes only samples/<name>.json, by name', () => {
    const files = new Map([
      ['samples/a.json', json(1)],
      ['samples/b.txt', json(2)],
      ['samples/sub/c.json', json(3)],
      ['other/samples/d.json', json(4)],
      ['samples/e.json', json(5)],
    ]);
    expect([...samplesIn(files).keys()]).toEqual(['a', 'e']);
  });
});

describe('parseSample', () => {
  it('accepts an input within the contract and an expectation', () => {
    const s = parseSample(json({ input: input(), expect: { allow: true, reasons: ['scope_dropped'] } }));
    expect(s).toEqual({ input: input(), expect: { allow: true, reasons: ['scope_dropped'] } });
  });

  it('says what is wrong: not JSON, unknown fields, an input outside the contract', () => {
    expect(parseSample(Buffer.from('{'))).toMatch(/^not JSON: /);
    expect(parseSample(json({ input: input(), extra: 1 }))).toMatch(
      /^not a sample \(\{"input": …, "expect"\?: …\}\): /,
    );
    expect(parseSample(json({ input: input(), expect: { allowed: true } }))).toMatch(/^not a sample/);
    expect(parseSample(json({ input: input(), expect: { ttl_seconds: -1 } }))).toMatch(/^not a sample/);
    expect(parseSample(json({ input: { ...input(), action: 'fly' } }))).toMatch(
      /^input is outside the decision contract: action: /,
    );
    expect(parseSample(json({ input: 'x' }))).toMatch(/^input is outside the decision contract: \(root\): /);
  });
});

describe('sampleProblem', () => {
  const sample = (expect?: Sample['expect']): Sample => ({ input: input(), ...(expect ? { expect } : {}) });

  it('passes a sample without expectation unless the policy failed', () => {
    expect(sampleProblem(sample(), decision())).toBeUndefined();
    const failed = decision({
      allow: false,
      reasons: [{ code: 'policy_error', message: 'evaluation failed: x' }],
    });
    expect(sampleProblem(sample(), failed)).toBe('policy_error: evaluation failed: x');
    expect(sampleProblem(sample(), decision({ reasons: ['policy_result_invalid'] }))).toBe(
      'policy_result_invalid',
    );
  });

  it('checks only the fields expected, reasons by code and in order', () => {
    expect(
      sampleProblem(sample({ allow: true, scopes: ['crm.read'], reasons: ['scope_dropped'] }), decision()),
    ).toBeUndefined();
    expect(sampleProblem(sample({ ttl_seconds: 300 }), decision())).toBeUndefined();
  });

  it('lists every unmet expectation with what was got', () => {
    expect(
      sampleProblem(sample({ allow: false, scopes: [], ttl_seconds: 60, reasons: [] }), decision()),
    ).toBe(
      'allow true, expected false; scopes ["crm.read"], expected []; ttl_seconds 300, expected 60; ' +
        'reasons ["scope_dropped"], expected []',
    );
    expect(
      sampleProblem(sample({ scopes: ['crm.read', 'x'] }), decision({ scopes: ['x', 'crm.read'] })),
    ).toBe('scopes ["x","crm.read"], expected ["crm.read","x"]');
  });
});
