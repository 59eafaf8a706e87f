/** W3C traceparent parsing (trace-context §3.2, §4.3): what is a parent, and what is ignored. */
import { describe, expect, it } from 'vitest';
import { formatTraceParent, newSpanId, newTraceId, parseTraceParent } from '../../src/ops/traceparent.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';

describe('parseTraceParent', () => {
  it("reads the specification's example and formats it back", () => {
    const header = `00-${T}-${P}-01`;
    expect(parseTraceParent(header)).toEqual({ traceId: T, spanId: P, flags: 1 });
    expect(formatTraceParent(parseTraceParent(header)!)).toBe(header);
    expect(parseTraceParent(`00-${T}-${P}-00`)?.flags).toBe(0);
  });

  it('a later version may carry more fields after the flags (§4.3: parse what it knows)', () => {
    expect(parseTraceParent(`01-${T}-${P}-09-more-fields`)).toEqual({ traceId: T, spanId: P, flags: 9 });
    expect(parseTraceParent(`cc-${T}-${P}-01`)).toEqual({ traceId: T, spanId: P, flags: 1 });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['repeated (node joins them with a comma)', `00-${T}-${P}-01, 00-${T}-${P}-01`],
    ['an array', [`00-${T}-${P}-01`]],
    ['version ff', `ff-${T}-${P}-01`],
    ['version 00 with another field', `00-${T}-${P}-01-x`],
    ['a later version joined to its next field without a dash', `01-${T}-${P}-01x`],
    ['upper-case hex', `00-${T.toUpperCase()}-${P}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${P}-01`],
    ['all-zero parent id', `00-${T}-${'0'.repeat(16)}-01`],
    ['short parent id', `00-${T}-${P.slice(1)}-01`],
    ['long trace id', `00-${T}0-${P}-01`],
    ['non-hex flags', `00-${T}-${P}-0g`],
    ['very long', `01-${T}-${P}-01-${'a'.repeat(600)}`],
  ])('ignores %s', (_, header) => {
    expect(parseTraceParent(header)).toBeUndefined();
  });
});

describe('fresh ids', () => {
  it('are lowercase hex of the right length and differ', () => {
    const ids = new Set(Array.from({ length: 100 }, newTraceId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    expect(newSpanId()).not.toBe(newSpanId());
  });

  it('stay distinct across refills of the byte pool, no byte handed out twice', () => {
    // 3,000 ids of 8 or 16 bytes is ~36 KiB: nine refills of the 4 KiB pool.
    const ids = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? newSpanId() : newTraceId()));
    expect(new Set(ids).size).toBe(ids.length);
    // A byte handed out twice would make one id's 8-byte chunk reappear in another.
    const chunks = ids.flatMap((id) => id.match(/.{16}/g)!);
    expect(new Set(chunks).size).toBe(chunks.length);
  });
});
