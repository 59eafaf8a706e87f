// A compiled policy instantiated with Mandate's builtins: the entrypoint's value, an undefined
// decision and a runtime error as PolicyEvaluationError with the real cause, refusal at load of an
// unknown entrypoint or an unprovided builtin, input.now as the clock, and large/Unicode input.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEvaluator,
  describeThrown,
  PolicyEvaluationError,
  type Evaluator,
} from '../../src/policy/evaluator.js';
import type { PolicyBundle } from '../../src/policy/bundle.js';
import { compileWasm } from './helpers.js';

const rego = `package t

echo := input.x if input.x

len := count(input.s)

now := time.now_ns()

limit := data.limits.max

boom := x if { x := to_number(input.n) }

conflict := 1 if input.c
conflict := 2 if input.c
`;

let bundle: PolicyBundle;
let ev: (entry: string) => Promise<Evaluator>;
beforeAll(async () => {
  bundle = await compileWasm(
    { 't/t.rego': rego },
    ['t/echo', 't/len', 't/now', 't/limit', 't/boom', 't/conflict'],
    {
      limits: { max: 7 },
    },
  );
  ev = (entry) => createEvaluator(bundle, entry);
}, 120_000);

describe('createEvaluator', () => {
  it("returns the entrypoint's value for the input, with the bundle's data loaded", async () => {
    expect((await ev('t/echo')).evaluate({ x: { a: [1, 'b'] } } as object)).toEqual({ a: [1, 'b'] });
    expect((await ev('t/limit')).evaluate({})).toBe(7);
  });

  it('reads a large and non-ASCII input whole', async () => {
    const s = 'é😀'.repeat(100_000);
    expect((await ev('t/len')).evaluate({ s } as object)).toBe(Array.from(s).length);
  });

  it('throws PolicyEvaluationError naming the entrypoint when the decision is undefined', async () => {
    const e = await ev('t/echo');
    expect(() => e.evaluate({})).toThrow(PolicyEvaluationError);
    expect(() => e.evaluate({})).toThrow('policy decision t/echo is undefined for this input');
  });

  it('throws PolicyEvaluationError with the policy runtime error', async () => {
    const e = await ev('t/conflict');
    expect(() => e.evaluate({ c: true } as object)).toThrow(PolicyEvaluationError);
    expect(() => e.evaluate({ c: true } as object)).toThrow('t/t.rego:14:1: var assignment conflict');
  });

  it('gives time.now_ns from input.now, undefined without a numeric now', async () => {
    const e = await ev('t/now');
    expect(e.builtins).toContain('time.now_ns');
    expect(e.evaluate({ now: 1_700_000_000 })).toBe(1_700_000_000_000_000_000);
    expect(() => e.evaluate({ now: 'soon' })).toThrow(PolicyEvaluationError);
    expect(() => e.evaluate({})).toThrow(/undefined for this input/);
  });

  it('refuses an entrypoint the bundle does not have, listing those it has', async () => {
    await expect(createEvaluator(bundle, 't/nope')).rejects.toThrow(
      /^entrypoint t\/nope is not in the bundle \(it has: .*t\/echo/,
    );
  });

  it('refuses at load a module that needs a builtin nobody provides, naming it', async () => {
    const b = await compileWasm(
      { 'u/u.rego': 'package u\n\nx := http.send({"method": "GET", "url": input.u})\n' },
      ['u/x'],
    );
    await expect(createEvaluator(b, 'u/x')).rejects.toThrow(/http\.send/);
  });

  it('refuses a module that is not WebAssembly', async () => {
    await expect(createEvaluator({ ...bundle, wasm: Buffer.from('not wasm') }, 't/echo')).rejects.toThrow(
      /^policy\.wasm does not load: /,
    );
  });
});

describe('describeThrown', () => {
  it('gives the text of strings, Errors, message objects and anything else', () => {
    expect(describeThrown('abort: x')).toBe('abort: x');
    expect(describeThrown(new TypeError('t'))).toBe('t');
    expect(describeThrown({ message: 'missing builtin' })).toBe('missing builtin');
    expect(describeThrown({ code: 1 })).toBe('{"code":1}');
    expect(describeThrown(undefined)).toBe('undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeThrown(cyclic)).toBe('[object Object]');
  });
});
