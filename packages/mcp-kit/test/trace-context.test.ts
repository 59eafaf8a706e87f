/** Twin of src/trace-context.ts: which `traceparent` values the kit passes on (W3C Trace Context §3.2). */
import { describe, expect, it } from 'vitest';
import { wellFormedTraceparent } from '../src/trace-context.js';

const GOOD = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('wellFormedTraceparent', () => {
  it('passes a well-formed value on unchanged, any version but ff', () => {
    expect(wellFormedTraceparent(GOOD)).toBe(GOOD);
    expect(wellFormedTraceparent(`cc${GOOD.slice(2)}`)).toBe(`cc${GOOD.slice(2)}`);
  });

  it.each([
    ['version ff', `ff${GOOD.slice(2)}`],
    ['an all-zero trace-id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent-id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['upper-case hex', GOOD.toUpperCase()],
    ['a short trace-id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a header injection', `${GOOD}\r\nx-evil: 1`],
    ['trailing text', `${GOOD}-extra`],
    ['two joined values', `${GOOD}, ${GOOD}`],
    ['empty', ''],
  ])('drops %s', (_, v) => {
    expect(wellFormedTraceparent(v)).toBeUndefined();
  });

  it('drops what is not a string', () => {
    for (const v of [undefined, null, 1, [GOOD], { traceparent: GOOD }])
      expect(wellFormedTraceparent(v)).toBeUndefined();
  });
});
