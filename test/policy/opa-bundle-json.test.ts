// The canonical JSON OPA hashes when it signs a bundle: sorted keys by UTF-8 bytes, no
// whitespace, numbers as written, Go's string escapes, last duplicate key wins, strict parsing.
import { describe, expect, it } from 'vitest';
import { canonicalJson, goJsonString } from '../../src/policy/opa-bundle-json.js';

const c = (s: string): string => canonicalJson(Buffer.from(s, 'utf8'));

describe('canonicalJson', () => {
  it('sorts keys and drops whitespace, recursively', () => {
    expect(c(' { "b" : [ 1 , { "d":1, "c":2 } ],\n "a": null }\n')).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
    expect(c('{}')).toBe('{}');
    expect(c('[ ]')).toBe('[]');
  });

  it('keeps numbers exactly as written', () => {
    expect(c('[1.0, 1e3, -0, 12345678901234567890, 0.1E-2]')).toBe(
      '[1.0,1e3,-0,12345678901234567890,0.1E-2]',
    );
  });

  it('sorts keys by code point, not UTF-16 unit (U+FFFD before U+1F600)', () => {
    expect(c('{"😀":1,"\uFFFD":2,"a":3}')).toBe('{"a":3,"\uFFFD":2,"😀":1}');
  });

  it('keeps the last of repeated keys, as Go decoding into a map does', () => {
    expect(c('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  it('strips a byte order mark', () => {
    expect(c('\uFEFF{"a":1}')).toBe('{"a":1}');
  });

  it('refuses what is not one JSON value', () => {
    for (const bad of [
      '',
      '{',
      '{"a" 1}',
      '[1,]',
      '{"a":1,}',
      "{'a':1}",
      '01',
      'nul',
      '{} {}',
      '"\u0001"',
      '{1:2}',
    ])
      expect(() => c(bad), JSON.stringify(bad)).toThrow(/^invalid JSON at offset \d+: /);
  });

  it('refuses nesting deeper than 1000', () => {
    expect(c('['.repeat(1000) + ']'.repeat(1000))).toBe('['.repeat(1000) + ']'.repeat(1000));
    expect(() => c('['.repeat(1002) + ']'.repeat(1002))).toThrow(/nesting too deep/);
  });
});

describe('goJsonString', () => {
  it("escapes as Go's encoder with HTML escaping off", () => {
    expect(goJsonString('<a&b>')).toBe('"<a&b>"');
    expect(goJsonString('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(goJsonString('a"\\\n')).toBe('"a\\"\\\\\\n"');
    expect(goJsonString('x\uD800y')).toBe('"x\uFFFDy"');
    expect(c('"\\ud800"')).toBe('"\uFFFD"');
  });
});
