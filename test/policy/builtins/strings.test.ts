// The string builtins opa-wasm leaves to the host, with Go's semantics: code points rather than
// UTF-16 units, non-overlapping counts, overlapping indexes, string-or-set operands.
import { describe, expect, it } from 'vitest';
import { stringBuiltins } from '../../../src/policy/builtins/strings.js';

const b = stringBuiltins;

describe('string builtins', () => {
  it('strings.count counts non-overlapping occurrences, and "" as code points + 1', () => {
    expect(b['strings.count']!('cheese', 'e')).toBe(3);
    expect(b['strings.count']!('aaaa', 'aa')).toBe(2);
    expect(b['strings.count']!('five', '')).toBe(5);
    expect(b['strings.count']!('😀é', '')).toBe(3);
    expect(b['strings.count']!('abc', 'x')).toBe(0);
    expect(b['strings.count']!('abc', 1)).toBeUndefined();
  });

  it('indexof_n gives every overlapping start, in code points', () => {
    expect(b.indexof_n!('dogdogdog', 'dog')).toEqual([0, 3, 6]);
    expect(b.indexof_n!('aaa', 'aa')).toEqual([0, 1]);
    expect(b.indexof_n!('😀a😀a', 'a')).toEqual([1, 3]);
    expect(b.indexof_n!('abc', 'x')).toEqual([]);
    expect(b.indexof_n!('abc', '')).toBeUndefined();
    expect(b.indexof_n!(['abc'], 'a')).toBeUndefined();
  });

  it('strings.any_prefix_match takes a string or a set of strings on either side', () => {
    const m = b['strings.any_prefix_match']!;
    expect(m('mcp:read', 'mcp:')).toBe(true);
    expect(m(['a/b', 'c/d'], ['x/', 'c/'])).toBe(true);
    expect(m(['a/b'], ['b'])).toBe(false);
    expect(m([], ['a'])).toBe(false);
    expect(m(['a', 1], ['a'])).toBeUndefined();
    expect(m('a', { a: 1 })).toBeUndefined();
  });

  it('strings.any_suffix_match matches ends, with the same operands', () => {
    const m = b['strings.any_suffix_match']!;
    expect(m('report.pdf', ['.doc', '.pdf'])).toBe(true);
    expect(m(['report.pdf'], '.doc')).toBe(false);
    expect(m(5, '.doc')).toBeUndefined();
  });
});
