/**
 * `semver.is_valid` and `semver.compare` (OPA v1/topdown/semver.go over internal/semver): strict
 * SemVer 2.0.0 with an optional leading "v", each number within int64; precedence per spec §11.
 */
interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
}

// SemVer 2.0.0 (https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string)
// with an optional leading "v", as OPA 1.22's parser accepts it.
const SEMVER =
  /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;
const INT64_MAX = 2n ** 63n - 1n;

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

export function parseSemver(input: string): Version | undefined {
  const m = SEMVER.exec(input);
  if (m === null) return undefined;
  const [major, minor, patch] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
  if (major > INT64_MAX || minor > INT64_MAX || patch > INT64_MAX) return undefined;
  return { major, minor, patch, pre: m[4] ?? '' };
}

const cmp = (a: bigint | string, b: bigint | string): number => (a > b ? 1 : a < b ? -1 : 0);
const decimal = (s: string): boolean => /^[0-9]+$/.test(s);

export function compareSemver(v: Version, o: Version): number {
  const c = cmp(v.major, o.major) || cmp(v.minor, o.minor) || cmp(v.patch, o.patch);
  if (c !== 0) return c;
  if (v.pre === o.pre) return 0;
  if (v.pre === '') return 1;
  if (o.pre === '') return -1;
  let [a, restA] = cut(v.pre, '.');
  let [b, restB] = cut(o.pre, '.');
  for (;;) {
    if (a === '' && b !== '') return -1;
    if (a !== '' && b === '') return 1;
    const ai = decimal(a);
    const bi = decimal(b);
    if (ai && !bi) return -1;
    if (!ai && bi) return 1;
    const d = ai && bi ? cmp(BigInt(a), BigInt(b)) : cmp(a, b);
    if (d !== 0) return d;
    if (restA !== '' && restB === '') return 1;
    if (restA === '' && restB !== '') return -1;
    [a, restA] = cut(restA, '.');
    [b, restB] = cut(restB, '.');
  }
}

export const semverBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'semver.is_valid': (x) => typeof x === 'string' && parseSemver(x) !== undefined,
  'semver.compare': (a, b) => {
    if (typeof a !== 'string' || typeof b !== 'string') return undefined;
    const va = parseSemver(a);
    const vb = parseSemver(b);
    return va === undefined || vb === undefined ? undefined : compareSemver(va, vb);
  },
};
