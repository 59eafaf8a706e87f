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
  // The literal prefixes first: most strings have neither, and indexOf is far cheaper than a regex.
  return (s.includes('eyJ') && compactJose.test(s)) || (s.includes('-----BEGIN ') && pemPrivateKey.test(s));
}

export interface Masked<T> {
  value: T;
  /** JSON pointers (RFC 6901) of every masked member, in document order. */
  masked: string[];
}

export interface MaskedText<T> extends Masked<T> {
  /** `canonicalize(value)` (json-canonicalization.ts), produced by the same walk. */
  text: string;
}

/** Returns a masked deep copy of `value`; the input is not modified. */
export function mask<T>(value: T, base = ''): Masked<T> {
  const masked: string[] = [];
  const out = walk(value, base, masked) as T;
  return { value: out, masked };
}

/**
 * As `mask`, and the canonical JSON (RFC 8785 style, json-canonicalization.ts) of the masked copy
 * from the same walk, so that an audit event's members are traversed once, not once to mask and
 * again to canonicalize. Throws as `canonicalize` does for a value JSON has no form for (only
 * `undefined` at the top: everything else such is masked).
 */
export function maskCanonical<T>(value: T, base = ''): MaskedText<T> {
  const masked: string[] = [];
  if (value === undefined) throw new TypeError('canonical JSON cannot represent a undefined');
  const out = walk(value, base, masked) as T;
  return { value: out, masked, text };
}

const MASK_TEXT = JSON.stringify(MASK);

// The canonical text of the value the last walk() call returned: set by walk() just before it
// returns and read by its caller at once (no tuple allocated per node).
let text = '';

function walk(v: unknown, path: string, masked: string[]): unknown {
  switch (typeof v) {
    case 'string':
      if (!looksSecret(v)) {
        text = JSON.stringify(v);
        return v;
      }
      masked.push(path);
      text = MASK_TEXT;
      return MASK;
    case 'number':
      // A number JSON cannot hold (a parsed `1e400` is Infinity) would make the event
      // unrecordable: it is removed like a secret, and said so.
      if (Number.isFinite(v)) {
        text = JSON.stringify(v);
        return v;
      }
      masked.push(path);
      text = 'null';
      return null;
    case 'boolean':
      text = v ? 'true' : 'false';
      return v;
    case 'bigint':
    case 'function':
    case 'symbol':
      masked.push(path);
      text = 'null';
      return null;
    case 'undefined':
      // Only reachable as an array member: JSON.stringify writes null there.
      text = 'null';
      return undefined;
    default:
      if (v === null) {
        text = 'null';
        return null;
      }
      return Array.isArray(v)
        ? walkArray(v, path, masked)
        : walkObject(v as Record<string, unknown>, path, masked);
  }
}

function walkArray(v: unknown[], path: string, masked: string[]): unknown[] {
  const out = new Array<unknown>(v.length);
  let t = '[';
  for (let i = 0; i < v.length; i++) {
    out[i] = walk(v[i], `${path}/${i}`, masked);
    t += i === 0 ? text : ',' + text;
  }
  text = t + ']';
  return out;
}

function walkObject(obj: Record<string, unknown>, path: string, masked: string[]): Record<string, unknown> {
  const isJwk = typeof obj.kty === 'string';
  // A reason object `{ code, message }` (policy/contract.ts) carries a stable error code, not an
  // authorization code (RFC 6749 §4.1.2), so its `code` stays readable.
  const isReason = typeof obj.message === 'string' && typeof obj.code === 'string';
  const out: Record<string, unknown> = {};
  const keys: string[] = [];
  const texts: string[] = [];
  let sorted = true;
  for (const key of Object.keys(obj)) {
    const val = obj[key];
    if (val === undefined) continue;
    const secret = key === 'code' ? !isReason : secretKeys.has(key.toLowerCase());
    if (secret || (isJwk && jwkPrivateKeys.has(key))) {
      masked.push(`${path}/${pointerEscape(key)}`);
      define(out, key, MASK);
      text = MASK_TEXT;
    } else if (typeof val === 'string' && !looksSecret(val)) {
      define(out, key, val);
      text = JSON.stringify(val);
    } else define(out, key, walk(val, `${path}/${pointerEscape(key)}`, masked));
    // Array.prototype.sort's order (UTF-16 code units) is RFC 8785 §3.2.3's.
    if (keys.length > 0 && !(keys[keys.length - 1]! < key)) sorted = false;
    keys.push(key);
    texts.push(JSON.stringify(key) + ':' + text);
  }
  text = '{' + (sorted ? texts : sortedBy(keys, texts)).join(',') + '}';
  return out;
}

function sortedBy(keys: string[], texts: string[]): string[] {
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  return order.map((i) => texts[i]!);
}

/** Defined, not assigned: a member named `__proto__` (JSON.parse makes one) stays a member. */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function pointerEscape(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}
