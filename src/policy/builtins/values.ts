/**
 * Values crossing the opa-wasm host-builtin boundary. Arguments arrive as JSON-parsed JavaScript
 * values (a Rego set as an array, numbers as doubles: an integer beyond 2^53 arrives rounded to
 * the nearest double). A result is returned as a JavaScript value, or, for an integer a double
 * cannot hold exactly, as the JSON text itself (opa-wasm loads an ArrayBuffer as JSON text), so
 * that `time.parse_rfc3339_ns` of a nanosecond timestamp is exact as in OPA.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const encoder = new TextEncoder();

/**
 * An integral number in the int64 range as a bigint (Go's exact Int64 conversion); else undefined.
 * The value is the number's shortest decimal form, the JSON text OPA would have read: -2^63 as a
 * double prints as -9223372036854776000, which OPA refuses as out of range, and so does this.
 */
export function int64(x: unknown): bigint | undefined {
  if (typeof x !== 'number' || !Number.isInteger(x) || Math.abs(x) >= 1e21) return undefined;
  const b = BigInt(String(x));
  return b < INT64_MIN || b > INT64_MAX ? undefined : b;
}

/** An integral number that fits a Go int (OPA's IntOperand), as a JavaScript number. */
export function int(x: unknown): number | undefined {
  return int64(x) === undefined ? undefined : (x as number);
}

export function inInt64(b: bigint): boolean {
  return b >= INT64_MIN && b <= INT64_MAX;
}

/** An integer result: a number when its JSON form is exact, else its JSON text. */
export function exactInt(b: bigint): number | ArrayBuffer {
  const n = Number(b);
  if (Number.isSafeInteger(n) || String(n) === b.toString()) return n;
  const bytes = encoder.encode(b.toString());
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function isString(x: unknown): x is string {
  return typeof x === 'string';
}

/** A string, or an array/set of strings (OPA's StringSliceOperand); undefined otherwise. */
export function stringList(x: unknown): string[] | undefined {
  if (typeof x === 'string') return [x];
  if (!Array.isArray(x)) return undefined;
  for (const s of x) if (typeof s !== 'string') return undefined;
  return x as string[];
}
