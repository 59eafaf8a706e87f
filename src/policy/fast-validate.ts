/**
 * Hot-path checks for the decision contract: a hand-written test that accepts only inputs and
 * results that the zod schemas of contract.ts accept *unchanged* (no unknown keys to strip, no
 * defaults to fill, plain objects only). Anything else returns undefined and the caller runs zod,
 * which stays the reference (and writes the error messages). So the policy sees exactly what zod
 * would have passed it, at a fraction of zod's cost per decision (bench/README.md).
 */
import type { DecisionInput, PolicyResult, Reason } from './contract.js';

type Obj = Record<string, unknown>;

const ACTIONS = new Set(['token_exchange', 'authorize', 'jwt_bearer', 'refresh', 'tool_call', 'id_jag']);
const TRUST = new Set(['registered', 'cimd', 'dynamic']);
const SUBJECT_KEYS = new Set(['sub', 'iss', 'groups', 'scopes', 'exp', 'claims']);
const CLIENT_KEYS = new Set(['client_id', 'trust']);
const ACTOR_KEYS = new Set(['sub', 'client_id', 'act']);
const TARGET_KEYS = new Set(['audience', 'resource']);
const CONTEXT_KEYS = new Set(['dpop_jkt', 'auth_time', 'acr', 'ip', 'tool']);
const INPUT_KEYS = new Set(['action', 'now', 'subject', 'client', 'actor', 'target', 'scopes', 'context']);
const RESULT_KEYS = new Set(['allow', 'scopes', 'ttl_seconds', 'reasons', 'obligations']);

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A literal-like object: zod's record/object copies of anything else may differ (prototype keys). */
function plain(x: unknown): x is Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return !hasOwn(x, '__proto__') && !hasOwn(x, 'constructor');
}

function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k of Object.keys(o)) if (!allowed.has(k)) return false;
  return true;
}

const nonEmpty = (x: unknown): boolean => typeof x === 'string' && x.length > 0;
const optString = (x: unknown): boolean => x === undefined || typeof x === 'string';
// zod 4's .int() is the safe-integer range.
const optInt = (x: unknown): boolean => x === undefined || Number.isSafeInteger(x);

function strings(x: unknown): x is string[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') return false;
  return true;
}

/** The input itself when decisionInputSchema would return it unchanged; else undefined (use zod). */
export function fastInput(x: unknown): DecisionInput | undefined {
  if (!plain(x) || !onlyKeys(x, INPUT_KEYS)) return undefined;
  if (!ACTIONS.has(x.action as string) || typeof x.action !== 'string') return undefined;
  if (!Number.isSafeInteger(x.now) || (x.now as number) < 0) return undefined;
  const s = x.subject;
  if (!plain(s) || !onlyKeys(s, SUBJECT_KEYS)) return undefined;
  if (!nonEmpty(s.sub) || !nonEmpty(s.iss) || !strings(s.groups)) return undefined;
  if ((s.scopes !== undefined && !strings(s.scopes)) || !optInt(s.exp) || !plain(s.claims)) return undefined;
  const c = x.client;
  if (!plain(c) || !onlyKeys(c, CLIENT_KEYS) || !nonEmpty(c.client_id)) return undefined;
  if (typeof c.trust !== 'string' || !TRUST.has(c.trust)) return undefined;
  const a = x.actor;
  if (a !== undefined) {
    if (!plain(a) || !onlyKeys(a, ACTOR_KEYS) || !nonEmpty(a.sub)) return undefined;
    if ((a.client_id !== undefined && !nonEmpty(a.client_id)) || (a.act !== undefined && !plain(a.act)))
      return undefined;
  }
  const t = x.target;
  if (!plain(t) || !onlyKeys(t, TARGET_KEYS) || !optString(t.audience) || !optString(t.resource))
    return undefined;
  if (!strings(x.scopes)) return undefined;
  const k = x.context;
  if (!plain(k) || !onlyKeys(k, CONTEXT_KEYS)) return undefined;
  if (!optString(k.dpop_jkt) || !optInt(k.auth_time) || !optString(k.acr) || !optString(k.ip))
    return undefined;
  if (!optString(k.tool)) return undefined;
  return x as unknown as DecisionInput;
}

/**
 * The parsed result when policyResultSchema would accept the raw result with every field present;
 * else undefined (use zod, which fills defaults and strips extra keys).
 */
export function fastResult(x: unknown): PolicyResult | undefined {
  if (!plain(x) || !onlyKeys(x, RESULT_KEYS)) return undefined;
  if (typeof x.allow !== 'boolean' || !strings(x.scopes)) return undefined;
  if (!Number.isSafeInteger(x.ttl_seconds) || (x.ttl_seconds as number) < 0) return undefined;
  const o = x.obligations;
  if (!plain(o) || (o.require_dpop !== undefined && typeof o.require_dpop !== 'boolean')) return undefined;
  // An approval obligation is rare and has rules of its own: zod checks it (approval.ts).
  if (o.require_approval !== undefined) return undefined;
  if (!Array.isArray(x.reasons)) return undefined;
  const reasons: Reason[] = [];
  for (const r of x.reasons as unknown[]) {
    if (typeof r === 'string') reasons.push(r);
    else if (plain(r) && typeof r.code === 'string' && typeof r.message === 'string')
      // A copy with exactly these two keys, as zod's object parse returns.
      reasons.push({ code: r.code, message: r.message });
    else return undefined;
  }
  return {
    allow: x.allow,
    scopes: x.scopes,
    ttl_seconds: x.ttl_seconds as number,
    reasons,
    obligations: o as PolicyResult['obligations'],
  };
}
