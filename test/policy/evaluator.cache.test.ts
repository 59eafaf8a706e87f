// Repeated inputs answered from the evaluator's result cache decide exactly as evaluating again:
// 60,000 random inputs (a third of them repeats, contract-valid and not) through the shipped
// bundle with and without the cache give the same results, errors included; a cached result is
// a fresh object each time; a failed evaluation is not kept; time.now_ns follows input.now.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../src/policy/bundle.js';
import type { PolicyBundle } from '../../src/policy/bundle.js';
import { createEvaluator } from '../../src/policy/evaluator.js';
import { compileWasm } from './helpers.js';

const ENTRY = 'mcp/authz/decision';
const shipped = (): Promise<PolicyBundle> =>
  parseBundle(readFileSync(join(import.meta.dirname, '../../bundles/default.tar.gz')));

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const now = 1_780_000_000;
const pools = {
  action: ['token_exchange', 'authorize', 'tool_call', 'id_jag', 'refresh', 'jwt_bearer', 'nope', 7],
  groups: [[], ['sales'], ['hr'], ['engineering'], ['sales', 'hr'], ['*'], 'sales'],
  scopes: [
    [],
    ['crm.read'],
    ['crm.read', 'crm.write'],
    ['crm.read', 'crm.read'],
    ['hr.records.read'],
    ['x'],
    ['partner.read'],
  ],
  client: ['claude-desktop', 'cursor', 'mcp-salesforce', 'evil'],
  trust: ['registered', 'cimd', 'dynamic'],
  actor: [
    undefined,
    { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
    { sub: 'mcp-workday' },
    { sub: 'x' },
  ],
  target: [
    { resource: 'https://api.salesforce.example' },
    { audience: 'salesforce', resource: 'https://api.salesforce.example' },
    { resource: 'https://api.workday.example' },
    { resource: 'https://mcp.salesforce.example/mcp' },
    { audience: 'https://as.partner-crm.example', resource: 'https://api.partner-crm.example' },
    {},
  ],
  context: [
    {},
    { dpop_jkt: 'abc' },
    { auth_time: now - 60 },
    { tool: 'update_opportunity_stage' },
    { tool: 'get_opportunity' },
  ],
  exp: [now + 3600, now + 10, now, now - 1, 'never'],
};

function randomInput(r: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const actor = pick(pools.actor);
  return {
    action: pick(pools.action),
    now: now + Math.floor(r() * 3),
    subject: {
      sub: pick(['alice', 'bob']),
      iss: 'https://idp.example',
      groups: pick(pools.groups),
      claims: {},
      exp: pick(pools.exp),
    },
    client: { client_id: pick(pools.client), trust: pick(pools.trust) },
    ...(actor === undefined ? {} : { actor }),
    target: pick(pools.target),
    scopes: pick(pools.scopes),
    context: pick(pools.context),
  };
}

function outcome(f: () => unknown): string {
  try {
    return JSON.stringify(f());
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('the evaluator result cache', () => {
  it('decides 60,000 random inputs, a third of them repeats, exactly as evaluating each anew', async () => {
    const cached = await createEvaluator(await shipped(), ENTRY);
    const uncached = await createEvaluator(await shipped(), ENTRY, undefined, { cacheSize: 0 });
    const r = rng(12);
    const seen: Record<string, unknown>[] = [];
    let differ = 0;
    const kinds = new Set<string>();
    for (let i = 0; i < 60_000; i++) {
      const input = seen.length > 0 && r() < 0.33 ? seen[Math.floor(r() * seen.length)]! : randomInput(r);
      if (seen.length < 5_000) seen.push(input);
      const a = outcome(() => cached.evaluate(input));
      const b = outcome(() => uncached.evaluate(input));
      if (a !== b) differ += 1;
      kinds.add(a.slice(0, 14));
    }
    expect(differ).toBe(0);
    // The inputs reach both allow and deny.
    expect([...kinds].some((k) => k.startsWith('{"allow":true'))).toBe(true);
    expect([...kinds].some((k) => k.startsWith('{"allow":fals'))).toBe(true);
  }, 300_000);

  let bundle: PolicyBundle;
  beforeAll(async () => {
    bundle = await compileWasm(
      {
        't/t.rego':
          'package t\n\necho := input.x if input.x\n\nnow := time.now_ns()\n\nconflict := 1 if input.c\nconflict := 2 if input.c\n',
      },
      ['t/echo', 't/now', 't/conflict'],
    );
  }, 120_000);

  it('gives a fresh object on every hit: a caller changing one changes no later decision', async () => {
    const e = await createEvaluator(bundle, 't/echo');
    const first = e.evaluate({ x: { scopes: ['a'] } } as object) as { scopes: string[] };
    first.scopes.push('admin');
    const second = e.evaluate({ x: { scopes: ['a'] } } as object);
    expect(second).toEqual({ scopes: ['a'] });
    expect(second).not.toBe(first);
  });

  it('keeps no failure: the same failing input fails the same way every time', async () => {
    const e = await createEvaluator(bundle, 't/conflict');
    for (let i = 0; i < 3; i++)
      expect(() => e.evaluate({ c: true } as object)).toThrow('var assignment conflict');
    const u = await createEvaluator(bundle, 't/echo');
    for (let i = 0; i < 3; i++) expect(() => u.evaluate({})).toThrow(/undefined for this input/);
  });

  it('keys on the whole input, so time.now_ns follows each input.now', async () => {
    const e = await createEvaluator(bundle, 't/now');
    expect(e.evaluate({ now: 1 })).toBe(1_000_000_000);
    expect(e.evaluate({ now: 2 })).toBe(2_000_000_000);
    expect(e.evaluate({ now: 1 })).toBe(1_000_000_000);
  });
});
