// The builtin table a policy's module is instantiated with: what Mandate adds, why refused ones
// are refused, and that the host builtins are what a real OPA-compiled module actually calls.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  mandateBuiltins,
  opaWasmBuiltinNames,
  providedBuiltinNames,
  refusalReason,
  refusedBuiltins,
} from '../../../src/policy/builtins/index.js';
import { createEvaluator, type Evaluator } from '../../../src/policy/evaluator.js';
import { compileWasm } from '../helpers.js';

describe('builtin table', () => {
  it('explains refused builtins, io.jwt.* included, and nothing for the merely missing', () => {
    expect(refusalReason('http.send')).toBe(refusedBuiltins['http.send']);
    expect(refusalReason('rand.intn')).toMatch(/replay/);
    expect(refusalReason('io.jwt.decode_verify')).toMatch(/verified by Mandate/);
    expect(refusalReason('graph.reachable')).toBeUndefined();
  });

  it('provides opa-wasm and Mandate builtins, never a refused one', () => {
    for (const n of [...opaWasmBuiltinNames, 'time.now_ns', 'strings.count', 'semver.compare', 'trace'])
      expect(providedBuiltinNames.has(n), n).toBe(true);
    for (const n of Object.keys(refusedBuiltins)) expect(providedBuiltinNames.has(n), n).toBe(false);
  });

  it('trace is true for a string note and undefined otherwise, as in OPA', () => {
    const b = mandateBuiltins({ now: undefined });
    expect(b.trace!('note')).toBe(true);
    expect(b.trace!(1)).toBeUndefined();
  });

  it('reads time.now_ns from the clock it was given, one clock per builtin set', () => {
    const a = { now: 1 as number | undefined };
    const b = { now: 2 as number | undefined };
    const ba = mandateBuiltins(a);
    const bb = mandateBuiltins(b);
    expect(ba['time.now_ns']!()).toBe(1_000_000_000);
    expect(bb['time.now_ns']!()).toBe(2_000_000_000);
    a.now = 3;
    expect(ba['time.now_ns']!()).toBe(3_000_000_000);
  });
});

describe('host builtins in a compiled policy', () => {
  let ev: Evaluator;
  beforeAll(async () => {
    const rego = `package probe

out := {
  "count": strings.count(input.s, "a"),
  "semver": semver.compare("1.2.3", input.v),
  "sha": crypto.sha256(input.s),
  "range": numbers.range_step(1, 7, 3),
  "prefix": strings.any_prefix_match(input.scopes, "mcp:"),
  "now": time.now_ns(),
  "traced": trace("x"),
}
`;
    ev = await createEvaluator(await compileWasm({ 'probe/probe.rego': rego }, ['probe/out']), 'probe/out');
  }, 120_000);

  it('imports the host builtins it calls', () => {
    expect([...ev.builtins].sort()).toEqual(
      expect.arrayContaining([
        'crypto.sha256',
        'numbers.range_step',
        'semver.compare',
        'strings.count',
        'time.now_ns',
      ]),
    );
  });

  it('evaluates them with the input and the decision clock', () => {
    const input = { s: 'banana', v: '1.10.0', scopes: ['crm:read', 'mcp:tools'], now: 5 };
    expect(ev.evaluate(input)).toEqual({
      count: 3,
      semver: -1,
      sha: 'b493d48364afe44d11c0165cf470a4164d1e2609911ef998be868d46ade3de4e',
      range: [1, 4, 7],
      prefix: true,
      now: 5_000_000_000,
      traced: true,
    });
  });
});
