/**
 * Encoding and hashing builtins opa-wasm leaves to the host (semantics of OPA
 * v1/topdown/encoding.go and crypto.go): Go works on a string's UTF-8 bytes, so do these.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function digest(alg: string) {
  return (x: unknown): unknown =>
    typeof x === 'string' ? createHash(alg).update(utf8(x)).digest('hex') : undefined;
}

function hmac(alg: string) {
  return (x: unknown, key: unknown): unknown =>
    typeof x === 'string' && typeof key === 'string'
      ? createHmac(alg, utf8(key)).update(utf8(x)).digest('hex')
      : undefined;
}

/** Go's url.QueryEscape: everything but ALPHA / DIGIT / "-" / "_" / "." / "~" escaped, space as "+". */
function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape: "+" is a space; a "%" not followed by two hex digits is an error. */
function queryUnescape(s: string): string | undefined {
  const bytes: number[] = [];
  const src = utf8(s);
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x25) {
      const hex = src.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(b === 0x2b ? 0x20 : b);
  }
  return Buffer.from(bytes).toString('utf8');
}

export const encodingBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': (a, b) => {
    if (typeof a !== 'string' || typeof b !== 'string') return undefined;
    const x = utf8(a);
    const y = utf8(b);
    return x.length === y.length && timingSafeEqual(x, y);
  },
  'hex.encode': (x) => (typeof x === 'string' ? utf8(x).toString('hex') : undefined),
  'hex.decode': (x) =>
    typeof x === 'string' && /^(?:[0-9A-Fa-f]{2})*$/.test(x)
      ? Buffer.from(x, 'hex').toString('utf8')
      : undefined,
  'base64url.encode_no_pad': (x) => (typeof x === 'string' ? utf8(x).toString('base64url') : undefined),
  'urlquery.encode': (x) => (typeof x === 'string' ? queryEscape(x) : undefined),
  'urlquery.decode': (x) => (typeof x === 'string' ? queryUnescape(x) : undefined),
};
