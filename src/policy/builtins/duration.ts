/**
 * OPA's `time.parse_duration_ns`: Go's time.ParseDuration (golang/go src/time/format.go), a signed
 * sequence of decimal numbers with optional fractions and units ("300ms", "-1.5h", "2h45m"), exact
 * in nanoseconds up to the int64 range; and, where Go refuses, OPA 1.x's longer units "d", "w" and
 * "y" (24 h, 7 d, 365 d) as in "1d12h". Undefined where OPA returns an error.
 */
const units: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 1n << 63n;

/** Go's leadingInt: the digits at the start, as a number; undefined past 2^63. */
function leadingInt(int: string): bigint | undefined {
  let v = 0n;
  for (const ch of int) {
    if (v > MAX / 10n) return undefined;
    v = v * 10n + BigInt(ch.charCodeAt(0) - 48);
    if (v > MAX) return undefined;
  }
  return v;
}

/** Go's leadingFraction: the digits as a number and its scale; stops accumulating precision on overflow, never fails. */
function leadingFraction(frac: string): [bigint, number] {
  let f = 0n;
  let scale = 1;
  let overflow = false;
  for (const ch of frac) {
    if (overflow) continue;
    if (f > (MAX - 1n) / 10n) {
      overflow = true;
      continue;
    }
    const y = f * 10n + BigInt(ch.charCodeAt(0) - 48);
    if (y > MAX) {
      overflow = true;
      continue;
    }
    f = y;
    scale *= 10;
  }
  return [f, scale];
}

function goParseDuration(input: string): bigint | undefined {
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) return undefined;
    const int = /^[0-9]*/.exec(s)![0];
    s = s.slice(int.length);
    let v = leadingInt(int);
    if (v === undefined) return undefined;
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      const frac = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + frac.length);
      post = frac.length > 0;
      [f, scale] = leadingFraction(frac);
    }
    if (int.length === 0 && !post) return undefined;
    const unitText = /^[^.0-9]*/.exec(s)![0];
    if (unitText === '') return undefined;
    s = s.slice(unitText.length);
    const unit = units[unitText];
    if (unit === undefined) return undefined;
    if (v > MAX / unit) return undefined;
    v *= unit;
    if (f > 0n) {
      // As Go: float64 arithmetic for the fraction, truncated.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) return undefined;
    }
    d += v;
    if (d > MAX) return undefined;
  }
  if (neg) return -d;
  if (d > MAX - 1n) return undefined;
  return d;
}

const longUnits: Record<string, number> = { d: 86_400e9, w: 604_800e9, y: 31_536_000e9 };
const SEGMENT = /([0-9.]+)(ms|us|µs|ns|[a-z])/y;

/** OPA's extension: segments of [0-9.]+ and a unit, any of them d, w or y; floats as OPA does. */
function longParseDuration(input: string): bigint | undefined {
  let s = input;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let total = 0n;
  SEGMENT.lastIndex = 0;
  let seen = false;
  while (SEGMENT.lastIndex < s.length) {
    const m = SEGMENT.exec(s);
    if (m === null) return undefined;
    seen = true;
    const [, digits, unit] = m as unknown as [string, string, string];
    const long = longUnits[unit];
    let v: bigint | undefined;
    if (long === undefined) v = goParseDuration(digits + unit);
    else {
      if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(digits)) return undefined;
      const f = Number(digits) * long;
      v = Number.isFinite(f) && f < 2 ** 63 ? BigInt(Math.trunc(f)) : undefined;
    }
    if (v === undefined) return undefined;
    total += v;
    if (total > MAX - 1n) return undefined;
  }
  if (!seen) return undefined;
  return neg ? -total : total;
}

export function parseDuration(input: string): bigint | undefined {
  return goParseDuration(input) ?? longParseDuration(input);
}
