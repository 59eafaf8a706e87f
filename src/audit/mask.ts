/**
 * Masking: no raw token, secret, assertion or private key ever enters an audit event (design.md
 * "Audit and decision stream"). Token ids (`jti`) and key thumbprints (`jkt`) are not secrets and
 * stay, so that an event can still be joined to the issuance record and to the DPoP key.
 *
 * Like OPA's decision-log masking, every masked location is reported as a JSON pointer
 * (RFC 6901) in `masked`, so a reader knows a value was there and was removed on purpose.
 */
export const MASK = '[masked]';

/** Members whose value is a credential whatever it looks like (RFC 6749, RFC 7523, RFC 8693). */
const secretKeys = new Set([
  'subject_token',
  'actor_token',
  'client_secret',
  'client_assertion',
  'assertion',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'token',
  'password',
  'secret',
  'private_key',
  'authorization',
  'cookie',
  'dpop',
]);

/** Private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const jwkPrivateKeys = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

// A compact JWS has three base64url segments, a compact JWE five (RFC 7515 §7.1, RFC 7516 §7.1);
// the header is a JSON object, so the first segment starts with "eyJ" ('{"').
const compactJose = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?/;
const pemPrivateKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** True when a string carries a compact JWS/JWE or a PEM private key anywhere in it. */
export function looksSecret(s: string): boolean {
  return compactJose.test(s) || pemPrivateKey.test(s);
}

export interface Masked<T> {
  value: T;
  /** JSON pointers (RFC 6901) of every masked member, in document order. */
  masked: string[];
}

/** Returns a masked deep copy of `value`; the input is not modified. */
export function mask<T>(value: T, base = ''): Masked<T> {
  const masked: string[] = [];
  const out = walk(value, base, masked) as T;
  return { value: out, masked };
}

function walk(v: unknown, path: string, masked: string[]): unknown {
  if (typeof v === 'string') {
    if (!looksSecret(v)) return v;
    masked.push(path);
    return MASK;
  }
  // A number JSON cannot hold (a parsed `1e400` is Infinity) would make the event unrecordable:
  // it is removed like a secret, and said so.
  if (typeof v === 'number' && !Number.isFinite(v)) {
    masked.push(path);
    return null;
  }
  if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
    masked.push(path);
    return null;
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}/${i}`, masked));
  const obj = v as Record<string, unknown>;
  const isJwk = typeof obj.kty === 'string';
  // A reason object `{ code, message }` (policy/contract.ts) carries a stable error code, not an
  // authorization code (RFC 6749 §4.1.2), so its `code` stays readable.
  const isReason = typeof obj.message === 'string' && typeof obj.code === 'string';
  const out: Record<string, unknown> = {};
  for (const [key, val] of Object.entries(obj)) {
    if (val === undefined) continue;
    const p = `${path}/${pointerEscape(key)}`;
    const secret = key === 'code' ? !isReason : secretKeys.has(key.toLowerCase());
    if (secret || (isJwk && jwkPrivateKeys.has(key))) {
      masked.push(p);
      define(out, key, MASK);
      continue;
    }
    define(out, key, walk(val, p, masked));
  }
  return out;
}

/** Defined, not assigned: a member named `__proto__` (JSON.parse makes one) stays a member. */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
