import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { GENESIS_HASH, computeHash, seal } from '../../src/audit/chain.js';
import { tokenEvent } from '../../src/audit/build-events.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { ensureAuditStream } from '../../src/audit/stream.js';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import type { RelayRow } from '../../src/audit/sink.js';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { verifyEvents, verifyJsonLines, verifyPostgres } from '../../src/audit/verify.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { exchangeEntry } from './fixtures.js';

const log = createLogger('error');
const SOURCE = 'https://mandate.example';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function filled(n: number): Promise<TestDatabase> {
  const t = await createTestDatabase();
  const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
  await Promise.all(Array.from({ length: n }, (_, i) => audit.commit(exchangeEntry({ allow: i % 3 !== 0 }))));
  await audit.close();
  return t;
}

async function eventAt(t: TestDatabase, seq: number): Promise<AuditEvent> {
  const res = await t.db.query<{ event: AuditEvent }>('SELECT event FROM outbox WHERE sequence = $1', [seq]);
  return res.rows[0]!.event;
}

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = seal(
      tokenEvent({ kind: 'revoked', action: 'revocation', client_id: 'c', jti: `j${i}` }, SOURCE),
      i,
      prev,
    );
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('verify: the chain in Postgres', () => {
  it('passes on an untouched outbox', async () => {
    const t = await filled(30);
    try {
      expect(await verifyPostgres(t.db, { pageSize: 7 })).toEqual({
        source: 'postgres',
        ok: true,
        checked: 60,
        first: 1,
        last: 60,
        duplicates: 0,
      });
    } finally {
      await t.drop();
    }
  });

  // Each tampering is applied to a fresh outbox of 20 entries (40 events); verify must name the link.
  const cases: [string, (t: TestDatabase) => Promise<void>, { sequence: number; reason: string }][] = [
    [
      'a decision flipped from deny to allow',
      async (t) => {
        await t.db.query(
          `UPDATE outbox SET event = jsonb_set(event::jsonb, '{data,enforced,allow}', 'true')::json WHERE sequence = 7`,
        );
      },
      { sequence: 7, reason: 'hash_mismatch' },
    ],
    [
      'a member added to an event',
      async (t) => {
        await t.db.query(
          `UPDATE outbox SET event = jsonb_set(event::jsonb, '{data,note}', '"benign"')::json WHERE sequence = 12`,
        );
      },
      { sequence: 12, reason: 'hash_mismatch' },
    ],
    [
      'an event altered and its own hash recomputed',
      async (t) => {
        const e = await eventAt(t, 9);
        const forged = { ...e, subject: 'mallory' } as AuditEvent;
        forged.hash = computeHash(forged);
        await t.db.query('UPDATE outbox SET event = $1, hash = $2 WHERE sequence = 9', [
          JSON.stringify(forged),
          forged.hash,
        ]);
      },
      { sequence: 10, reason: 'prev_hash_mismatch' },
    ],
    [
      'a row deleted from the middle',
      async (t) => {
        await t.db.query('DELETE FROM outbox WHERE sequence = 15');
      },
      { sequence: 16, reason: 'gap' },
    ],
    [
      'the last rows deleted',
      async (t) => {
        await t.db.query('DELETE FROM outbox WHERE sequence > 36');
      },
      { sequence: 37, reason: 'head_mismatch' },
    ],
    [
      'a hash column changed',
      async (t) => {
        await t.db.query(`UPDATE outbox SET hash = repeat('a', 64) WHERE sequence = 3`);
      },
      { sequence: 3, reason: 'row_mismatch' },
    ],
    [
      'the first event not starting from genesis',
      async (t) => {
        const e = await eventAt(t, 1);
        const forged = { ...e, prevhash: 'b'.repeat(64) } as AuditEvent;
        forged.hash = computeHash(forged);
        await t.db.query('UPDATE outbox SET event = $1, prev_hash = $2, hash = $3 WHERE sequence = 1', [
          JSON.stringify(forged),
          forged.prevhash,
          forged.hash,
        ]);
      },
      { sequence: 1, reason: 'prev_hash_mismatch' },
    ],
  ];

  it.each(cases)('names the first broken link: %s', async (_name, tamper, expected) => {
    const t = await filled(20);
    try {
      await tamper(t);
      const report = await verifyPostgres(t.db, { pageSize: 8 });
      expect(report.ok).toBe(false);
      expect(report.broken).toMatchObject(expected);
      expect(report.broken?.detail).toEqual(expect.any(String));
    } finally {
      await t.drop();
    }
  });
});

describe('verify: events from a stream or a file', () => {
  it('checks in sequence order, whatever the arrival order, and counts identical repeats', () => {
    const events = chain(6);
    const shuffled = [events[3], events[0], events[5], events[1], events[2], events[4], events[2]];
    expect(verifyEvents(shuffled, 'stream')).toEqual({
      source: 'stream',
      ok: true,
      checked: 7,
      first: 1,
      last: 6,
      duplicates: 1,
    });
  });

  it('accepts a stream whose oldest events aged out, and reports a conflicting repeat', () => {
    const events = chain(6).slice(2);
    expect(verifyEvents(events, 'stream')).toMatchObject({ ok: true, first: 3, last: 6 });
    const conflict = { ...events[1]!, subject: 'other' };
    expect(verifyEvents([...events, conflict], 'stream').broken).toMatchObject({
      sequence: 4,
      reason: 'duplicate_conflict',
    });
  });

  it('reads JSON lines, naming unparseable and invalid lines', () => {
    const events = chain(3);
    const lines = events.map((e) => canonicalize(e));
    expect(verifyJsonLines(lines.join('\n') + '\n' + lines[2] + '\n')).toMatchObject({
      ok: true,
      checked: 4,
      duplicates: 1,
    });
    const bad = { ...events[1]!, sequence: 'two' };
    expect(verifyJsonLines([lines[0], JSON.stringify(bad), lines[2]].join('\n')).broken).toMatchObject({
      reason: 'invalid_event',
    });
  });
});

describe('verify --stream: a message altered in a copy of the stream', () => {
  let nc: NatsConnection;
  let t: TestDatabase;
  const tag = randomBytes(4).toString('hex');
  const stream = `VERIFY_${tag}`;
  const copy = `VERIFY_COPY_${tag}`;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    t = await filled(10);
    const rows = await t.db.query<RelayRow>(
      'SELECT sequence, id, subject, event::text AS body FROM outbox ORDER BY sequence',
    );
    const sink = createJetStreamSink({ servers: NATS_URL, name: stream, subjectPrefix: `v${tag}`, log });
    await sink.append(rows.rows, 0);
    await sink.close();
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const s of [stream, copy]) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    await t.drop();
  });

  it('passes on the stream as published', async () => {
    expect(await verifyStream(nc, stream)).toEqual({
      source: 'stream',
      ok: true,
      checked: 20,
      first: 1,
      last: 20,
      duplicates: 0,
    });
  });

  it('names the altered message in a copy', async () => {
    const jsm = await jetstreamManager(nc);
    await ensureAuditStream(jsm, { name: copy, subjectPrefix: `c${tag}` });
    const js = jetstream(nc);
    const events = (await readStreamEvents(nc, stream)) as AuditEvent[];
    for (const e of events) {
      const body = e.sequence === '0000000000000011' ? { ...e, time: '2020-01-01T00:00:00.000Z' } : e;
      await js.publish(`c${tag}.copy`, canonicalize(body));
    }
    const report = await verifyStream(nc, copy);
    expect(report.ok).toBe(false);
    expect(report.broken).toMatchObject({ sequence: 11, reason: 'hash_mismatch' });
  });
});
