/**
 * How a group commit's events are stored: byte for byte as sealed, through the two line-split
 * parameters of the commit statement, uncompressed up to a page (migration 015), and never in
 * part when a text or a field could not travel as one line.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../../src/audit/chain.js';
import { eventSubject } from '../../src/audit/events.js';
import { buildEvents } from '../../src/audit/outbox.js';
import { createChainWriter } from '../../src/audit/outbox-write.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { batch, head, SOURCE, writeOne } from './chain-writer-harness.js';
import { exchangeEntry } from './fixtures.js';

describe('chain writer: how the events are stored', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('stores every event byte for byte as sealed, with its sequence, id, subject and hashes', async () => {
    const w = createChainWriter(t.db);
    // Text the line-split parameters must carry unchanged: non-ASCII, U+2028 (raw in JSON), escapes.
    const odd = exchangeEntry();
    odd.decision!.input.subject.claims = { name: 'Zoë \u2028 ☃ \ud83d\ude00', nul: 'a\u0000b', nl: 'x\ny' };
    const b = batch(2);
    b.issued.unshift(...(odd.issued ? [odd.issued] : []));
    b.events.unshift(...buildEvents(odd, SOURCE).map(prepare));
    const { sealed } = await w.write(b.issued, b.events);
    const rows = await t.db.query<{
      sequence: string;
      id: string;
      subject: string;
      body: string;
      prev_hash: string;
      hash: string;
    }>(
      `SELECT sequence::text, id::text, subject, event::text AS body, prev_hash, hash FROM outbox
        WHERE sequence >= $1 ORDER BY sequence`,
      [Number(sealed[0]!.sequence)],
    );
    expect(rows.rows).toEqual(
      sealed.map((s, i) => ({
        sequence: String(Number(s.sequence)),
        id: b.events[i]!.event.id,
        subject: eventSubject(b.events[i]!.event),
        body: s.text,
        prev_hash: s.prevhash,
        hash: s.hash,
      })),
    );
    expect(rows.rows[0]!.body).toContain('Zoë \u2028 ☃ \ud83d\ude00');
    expect(rows.rows[0]!.body).toContain('x\\ny');
  });

  it('keeps the rows of a batch uncompressed in the table (migration 015), larger ones compressed', async () => {
    const w = createChainWriter(t.db);
    const big = exchangeEntry();
    // Far over a page: Postgres must still compress or move it out of line, not refuse the row.
    big.decision!.input.subject.claims = { long: 'z'.repeat(40_000) };
    const b = batch(2);
    b.issued.push(...(big.issued ? [big.issued] : []));
    b.events.push(...buildEvents(big, SOURCE).map(prepare));
    const { sealed } = await w.write(b.issued, b.events);
    const rows = await t.db.query<{ size: number; compressed: string | null }>(
      `SELECT octet_length(event::text) AS size, pg_column_compression(event) AS compressed FROM outbox
        WHERE sequence >= $1 ORDER BY sequence`,
      [Number(sealed[0]!.sequence)],
    );
    const sizes = rows.rows.map((r) => r.size);
    // A decision event is past the 2 kB at which Postgres would otherwise compress its row.
    expect(Math.max(...sizes.slice(0, 4))).toBeGreaterThan(1_800);
    expect(rows.rows.slice(0, 4).map((r) => r.compressed)).toEqual([null, null, null, null]);
    expect(rows.rows[4]!.compressed).toBe('pglz');
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('an event text that a line feed would cut in two fails the batch, which writes nothing', async () => {
    const w = createChainWriter(t.db);
    await writeOne(w);
    const before = await head(t.db);
    const b = batch(2);
    // Whitespace JSON allows, canonical JSON never has: split on it, neither half is JSON.
    const [first, ...rest] = b.events[1]!.runs;
    b.events[1] = { ...b.events[1]!, runs: [first.replace(':', ':\n'), ...rest] };
    await expect(w.write(b.issued, b.events)).rejects.toThrow(/json/i);
    expect(await head(t.db)).toEqual(before);
    const tokens = await t.db.query('SELECT jti FROM issued_tokens WHERE jti = ANY($1)', [
      b.issued.map((r) => r.jti),
    ]);
    expect(tokens.rowCount).toBe(0);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('refuses an event whose id or subject would not be one field of its line, writing nothing', async () => {
    const w = createChainWriter(t.db);
    await writeOne(w);
    const before = await head(t.db);
    for (const bad of [{ subject: 'token.issued extra' }, { subject: '' }, { id: `${randomUUID()}\n` }]) {
      const b = batch(2);
      b.events[1] = { ...b.events[1]!, ...bad };
      await expect(w.write(b.issued, b.events)).rejects.toThrow(/whitespace/);
      expect(await head(t.db)).toEqual(before);
      const tokens = await t.db.query('SELECT jti FROM issued_tokens WHERE jti = ANY($1)', [
        b.issued.map((r) => r.jti),
      ]);
      expect(tokens.rowCount).toBe(0);
    }
  });
});
