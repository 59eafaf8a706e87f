import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/audit/json-canonicalization.js';

describe('canonicalize (RFC 8785 style)', () => {
  it('sorts members by UTF-16 code units at every depth and drops whitespace', () => {
    // RFC 8785 §3.2.3 sorting example, reduced: "\u20ac" (€) sorts after "\r" and before "\ud83d\ude00" pairs.
    expect(
      canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, '€': 'x', '\r': 'cr', '😀': true }),
    ).toBe('{"\\r":"cr","a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1,"€":"x","😀":true}');
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.1 + 0.2, '0.30000000000000004'],
    [333333333.3333333, '333333333.3333333'],
    [4.5, '4.5'],
  ])('serializes the number %s as ECMAScript does (RFC 8785 §3.2.2.3)', (n, text) => {
    expect(canonicalize(n)).toBe(text);
  });

  it('escapes strings as JSON.stringify does (RFC 8785 §3.2.2.2)', () => {
    expect(canonicalize('a"b\\c\n\u0001\u2028')).toBe('"a\\"b\\\\c\\n\\u0001\u2028"');
  });

  it('omits undefined members, keeps undefined array slots as null', () => {
    expect(canonicalize({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s', (n) => {
    expect(() => canonicalize({ n })).toThrow('non-finite');
  });

  it('refuses values JSON has no form for', () => {
    expect(() => canonicalize({ f: () => 1 })).toThrow('cannot represent a function');
    expect(() => canonicalize(10n)).toThrow('cannot represent a bigint');
  });

  it('gives the same text whatever the member order', () => {
    expect(canonicalize({ x: 1, y: { b: 2, a: 1 } })).toBe(canonicalize({ y: { a: 1, b: 2 }, x: 1 }));
  });
});
