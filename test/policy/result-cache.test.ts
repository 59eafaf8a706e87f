// The evaluator's result cache: a bounded first-in first-out map from input text to output text,
// keeping nothing at capacity 0 and no input longer than its key limit.
import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/policy/result-cache.js';

describe('ResultCache', () => {
  it('returns what was kept for exactly the same input text', () => {
    const c = new ResultCache(4);
    c.set('{"a":1}', '[{"result":1}]');
    expect(c.get('{"a":1}')).toBe('[{"result":1}]');
    expect(c.get('{"a":1} ')).toBeUndefined();
    expect(c.get('{"a":2}')).toBeUndefined();
  });

  it('forgets the oldest input first once full, and never holds more than its capacity', () => {
    const c = new ResultCache(3);
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, k.toUpperCase());
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined();
    expect([c.get('b'), c.get('c'), c.get('d')]).toEqual(['B', 'C', 'D']);
  });

  it('keeps nothing at capacity 0 and no input or result longer than the limit', () => {
    const none = new ResultCache(0);
    none.set('a', 'A');
    expect(none.size).toBe(0);
    const short = new ResultCache(8, 4);
    short.set('abcde', 'X');
    short.set('abcd', 'Y');
    short.set('wxyz', 'ABCDE');
    short.set('vwxy', 'ABCD');
    expect(short.get('abcde')).toBeUndefined();
    expect(short.get('abcd')).toBe('Y');
    expect(short.get('wxyz')).toBeUndefined();
    expect(short.get('vwxy')).toBe('ABCD');
  });
});
