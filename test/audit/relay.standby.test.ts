/**
 * A standby relay (`listen: false`, what cluster workers other than the first run, wiring/audit.ts):
 * it never LISTENs, so commits do not wake it, yet it delivers by polling, which is how it takes
 * over when the listening relay is gone; beside a listening relay, every event reaches the
 * destination once, in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, type Relay, type RelayOptions } from '../../src/audit/relay.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { verifyJsonLines } from '../../src/audit/verify.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { commit, log, outboxEvents, pending, waitFor } from './relay-harness.js';

/** `db`, counting the LISTENs made through it. */
function counting(db: Db): { db: Db; listens: () => number } {
  let n = 0;
  return {
    db: {
      ...db,
      listen: (channel, onNotify) => {
        n++;
        return db.listen(channel, onNotify);
      },
    },
    listens: () => n,
  };
}

describe('standby relay', () => {
  let t: TestDatabase;
  let dir: string;
  const relays: Relay[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-standby-'));
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    await t?.drop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const start = (opts: Omit<RelayOptions, 'log'>): Relay => {
    const r = createRelay({ log, ...opts });
    r.start();
    relays.push(r);
    return r;
  };

  it('never listens, and still delivers what is committed within its polling interval', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const c = counting(t.db);
    const standby = start({ db: c.db, file, listen: false, pollMs: 300 });
    await waitFor('the standby to create its mark', async () => standby.stats().state === 'relaying');
    await commit(t.db, 10);
    const t0 = Date.now();
    await waitFor('the standby to deliver', async () => (await pending(standby)) === 0);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(c.listens()).toBe(0);
    expect(verifyJsonLines(await readFile(file, 'utf8'))).toMatchObject({ ok: true, checked: 20 });
  });

  it('beside a listening relay, every event reaches the file once and in order', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const active = counting(t.db);
    const idle = counting(t.db);
    const first = start({ db: active.db, file, pollMs: 1_000 });
    const standby = start({ db: idle.db, file, listen: false, pollMs: 100 });
    for (let i = 0; i < 10; i++) await commit(t.db, 5);
    await waitFor('both relays to drain', async () => (await pending(first)) === 0);
    const text = await readFile(file, 'utf8');
    expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 100, duplicates: 0 });
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEvent),
    ).toEqual(await outboxEvents(t));
    expect(first.stats().published_total + standby.stats().published_total).toBe(100);
    expect(active.listens()).toBe(1);
    expect(idle.listens()).toBe(0);
  });
});
