/**
 * The LISTEN connection against the shared test Postgres: notifications reach every subscriber of
 * their channel, a channel name is quoted, unsubscribing the last one UNLISTENs, and a connection
 * the server kills (or one `reconnect()` replaces) comes back subscribed to its channels.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener, type Listener } from '../../src/store/pg-listen.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let t: TestDatabase;
let listener: Listener;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  listener = createListener({
    url: () => t.url,
    types: pg.types,
    connectTimeoutMs: 5_000,
    statementTimeoutMs: 5_000,
    keepAliveInitialDelayMs: 1_000,
  });
});
afterAll(async () => {
  await listener.close();
  await t.drop();
});

const notify = (channel: string, payload: string) =>
  t.db.query('SELECT pg_notify($1, $2)', [channel, payload]);

/** Sends until `got` holds `payload` (a reconnect in progress loses what is sent meanwhile). */
async function deliveredAfterRetries(channel: string, payload: string, got: string[]): Promise<void> {
  for (const deadline = Date.now() + 10_000; !got.includes(payload);) {
    if (Date.now() > deadline) throw new Error(`${payload} never arrived on ${channel}`);
    await notify(channel, payload);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
  for (const deadline = Date.now() + 5_000; !(await ok());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('createListener', () => {
  it('delivers each notification to every subscriber of its channel only', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const other: string[] = [];
    const offA = await listener.listen('Mixed "Case" chan', (p) => a.push(p));
    const offB = await listener.listen('Mixed "Case" chan', (p) => b.push(p));
    const offO = await listener.listen('other', (p) => other.push(p));
    await notify('Mixed "Case" chan', 'one');
    await notify('Mixed "Case" chan', '');
    await until('both deliveries', () => a.length === 2 && b.length === 2);
    expect(a).toEqual(['one', '']);
    expect(b).toEqual(['one', '']);
    expect(other).toEqual([]);
    // Unsubscribing one keeps the channel for the other; the last one UNLISTENs.
    await offA();
    await notify('Mixed "Case" chan', 'two');
    await until('b to get two', () => b.length === 3);
    expect(a).toEqual(['one', '']);
    await offB();
    await notify('Mixed "Case" chan', 'three');
    await notify('other', 'marker');
    await until('the marker', () => other.length === 1);
    expect(b).toEqual(['one', '', 'two']);
    await offO();
  });

  it('comes back subscribed after the server kills its connection', async () => {
    const got: string[] = [];
    const off = await listener.listen('killed_chan', (p) => got.push(p));
    const before = await t.db.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    );
    expect(before.rows.length).toBeGreaterThan(0);
    // The listener's connection is the one not in the pool: kill every other backend but ours
    // (the pool reconnects on its own).
    for (const { pid } of before.rows)
      await t.db.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => undefined);
    await deliveredAfterRetries('killed_chan', 'after-kill', got);
    await off();
  });

  it('reconnect() replaces the connection at once and keeps the channels', async () => {
    const got: string[] = [];
    const off = await listener.listen('replaced_chan', (p) => got.push(p));
    await notify('replaced_chan', 'before');
    await until('before', () => got.includes('before'));
    listener.reconnect();
    await deliveredAfterRetries('replaced_chan', 'after', got);
    await off();
  });

  it('after close nothing is delivered', async () => {
    const own = createListener({
      url: () => t.url,
      types: pg.types,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 5_000,
      keepAliveInitialDelayMs: 1_000,
    });
    const got: string[] = [];
    await own.listen('closed_chan', (p) => got.push(p));
    await notify('closed_chan', 'open');
    await until('open', () => got.includes('open'));
    await own.close();
    await notify('closed_chan', 'shut');
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(['open']);
  });
});
