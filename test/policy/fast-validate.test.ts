import { describe, expect, it } from 'vitest';
import { decisionInputSchema, policyResultSchema } from '../../src/policy/contract.js';
import { fastInput, fastResult } from '../../src/policy/fast-validate.js';

const input = {
  action: 'token_exchange',
  now: 1764140000,
  subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: { a: 1 }, exp: 1764143600 },
  client: { client_id: 'claude-desktop', trust: 'registered' },
  actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: { sub: 'x' } },
  target: { audience: 'salesforce', resource: 'https://api.salesforce.example' },
  scopes: ['crm.read'],
  context: { dpop_jkt: 'j', auth_time: 1764139000, acr: 'mfa', ip: '10.0.0.1', tool: 't' },
};
const result = {
  allow: true,
  scopes: ['crm.read'],
  ttl_seconds: 300,
  reasons: ['plain', { code: 'scope_dropped', message: 'm' }],
  obligations: { require_dpop: false, client_id: 'c' },
};

type Json = Record<string, unknown>;
const set = (o: Json, path: string[], v: unknown): Json => {
  const copy = structuredClone(o);
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Json;
  const last = path[path.length - 1] as string;
  if (v === undefined) delete at[last];
  else at[last] = v;
  return copy;
};

// Each variant: the fast check must either decline (undefined) or return exactly zod's output.
const inputVariants: [string[], unknown][] = [
  [['action'], 'password'],
  [['action'], 7],
  [['now'], -1],
  [['now'], 1.5],
  [['now'], Number.MAX_SAFE_INTEGER + 1],
  [['now'], '1'],
  [['subject', 'sub'], ''],
  [['subject', 'iss'], undefined],
  [
    ['subject', 'groups'],
    ['a', 1],
  ],
  [['subject', 'scopes'], ['crm.read']],
  [['subject', 'scopes'], 'crm.read'],
  [['subject', 'exp'], undefined],
  [['subject', 'exp'], 1.5],
  [['subject', 'claims'], []],
  [['subject', 'claims'], { constructor: 'x' }],
  [['subject', 'extra'], 1],
  [['client', 'trust'], 'root'],
  [['client', 'client_id'], ''],
  [['actor'], undefined],
  [['actor', 'client_id'], undefined],
  [['actor', 'client_id'], ''],
  [['actor', 'act'], 'x'],
  [['actor', 'sub'], undefined],
  [['target'], {}],
  [['target', 'audience'], 5],
  [['target', 'extra'], 'x'],
  [['scopes'], [1]],
  [['scopes'], []],
  [['context'], {}],
  [['context', 'auth_time'], 'now'],
  [['context', 'tool'], 5],
  [['context', 'extra'], 1],
  [['extra'], 1],
];

describe('fastInput', () => {
  it('accepts a full valid input as is', () => {
    expect(fastInput(input)).toBe(input);
    expect(decisionInputSchema.parse(input)).toEqual(input);
  });
  it.each(inputVariants)('agrees with zod when %j is %j', (path, v) => {
    const x = set(input, path, v);
    const fast = fastInput(x);
    const zod = decisionInputSchema.safeParse(x);
    if (fast !== undefined) {
      expect(zod.success).toBe(true);
      expect(zod.data).toEqual(fast);
    }
  });
  it('declines non-plain objects, leaving them to zod', () => {
    expect(fastInput(null)).toBeUndefined();
    expect(fastInput(Object.assign(Object.create({ inherited: 1 }) as Json, input))).toBeUndefined();
    expect(
      fastInput(set(input, ['subject', 'claims'], JSON.parse('{"__proto__": {"a": 1}}'))),
    ).toBeUndefined();
  });
});

const resultVariants: [string[], unknown][] = [
  [['allow'], 'yes'],
  [['scopes'], undefined],
  [['scopes'], [1]],
  [['ttl_seconds'], -1],
  [['ttl_seconds'], 1.5],
  [['ttl_seconds'], undefined],
  [['reasons'], undefined],
  [['reasons'], [{ code: 'c' }]],
  [['reasons'], [{ code: 'c', message: 'm', extra: 1 }]],
  [['reasons'], [5]],
  [['obligations'], undefined],
  [['obligations', 'require_dpop'], 'no'],
  [['obligations', 'require_dpop'], undefined],
  [['extra'], 1],
];

describe('fastResult', () => {
  it('returns what zod returns for a complete result, with fresh reason objects', () => {
    const fast = fastResult(result);
    expect(fast).toEqual(policyResultSchema.parse(result));
    expect(fast?.reasons[1]).not.toBe(result.reasons[1]);
  });
  it.each(resultVariants)('agrees with zod when %j is %j', (path, v) => {
    const x = set(result, path, v);
    const fast = fastResult(x);
    const zod = policyResultSchema.safeParse(x);
    if (fast !== undefined) {
      expect(zod.success).toBe(true);
      expect(zod.data).toEqual(fast);
    }
  });
});
