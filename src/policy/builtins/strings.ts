/** String builtins opa-wasm leaves to the host (semantics of OPA v1/topdown/strings.go). */
import { stringList } from './values.js';

/** Go's strings.Count: non-overlapping occurrences; of "" the number of code points + 1. */
function count(s: string, sub: string): number {
  if (sub === '') return Array.from(s).length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Every code-point index at which `search` starts (overlapping), as OPA's indexof_n. */
function indexesOf(base: string, search: string): number[] {
  const b = Array.from(base);
  const s = Array.from(search);
  const out: number[] = [];
  for (let i = 0; i + s.length <= b.length; i++) {
    let match = true;
    for (let j = 0; j < s.length; j++) {
      if (b[i + j] !== s[j]) {
        match = false;
        break;
      }
    }
    if (match) out.push(i);
  }
  return out;
}

export const stringBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'strings.count': (s, sub) => (typeof s === 'string' && typeof sub === 'string' ? count(s, sub) : undefined),
  indexof_n: (base, search) =>
    typeof base === 'string' && typeof search === 'string' && search !== ''
      ? indexesOf(base, search)
      : undefined,
  'strings.any_prefix_match': (a, b) => {
    const strs = stringList(a);
    const prefixes = stringList(b);
    if (strs === undefined || prefixes === undefined) return undefined;
    return strs.some((s) => prefixes.some((p) => s.startsWith(p)));
  },
  'strings.any_suffix_match': (a, b) => {
    const strs = stringList(a);
    const suffixes = stringList(b);
    if (strs === undefined || suffixes === undefined) return undefined;
    return strs.some((s) => suffixes.some((p) => s.endsWith(p)));
  },
};
