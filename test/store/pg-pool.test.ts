/**
 * The pool under the Postgres driver (src/store/pg-pool.ts), on the test server: deadlines on a
 * promise, on a checkout and on a statement; a connection that lost the server is destroyed and the
 * pool replaced with the LISTEN connection; a host that refuses is named, every host when several do.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDatabaseUrl } from '../../src/store/connection-string.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import { createHostSelector } from '../../src/store/pg-hosts.js';
import type { Listener } from '../../src/store/pg-listen.js';
import {
  Timeout,
  acquire,
  newPool,
  release,
  rootMessage,
  run,
  within,
  type PgPool,
} from '../../src/store/pg-pool.js';

const URL = process.env.MANDATE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const t = { connectMs: 2_000, acquireMs: 2_000, statementMs: 2_000, transactionMs: 4_000, healthMs: 1_000 };
const opened: PgPool[] = [];

function pgPool(url: string): PgPool & { reconnect: ReturnType<typeof vi.fn> } {
  const parsed = parseDatabaseUrl(url);
  const hosts = createHostSelector(parsed.hosts, parsed.targetSessionAttrs);
  const reconnect = vi.fn();
  const listener: Listener = { listen: vi.fn(), reconnect, close: vi.fn() };
  const shared = { t, hosts, max: 2, log: undefined };
  const s = { ...shared, listener, pool: newPool(shared), recycledAt: 0, failing: false, closed: false };
  opened.push(s);
  return Object.assign(s, { reconnect });
}

afterEach(async () => {
  for (const s of opened.splice(0)) {
    s.closed = true;
    await s.pool.end().catch(() => undefined);
  }
});

describe('within', () => {
  it('settles with the promise, or rejects with Timeout and hands a late value on', async () => {
    await expect(within(Promise.resolve(1), 100)).resolves.toBe(1);
    await expect(within(Promise.reject(new Error('no')), 100)).rejects.toThrow('no');
    const onLate = vi.fn();
    const late = new Promise<number>((r) => setTimeout(() => r(2), 30));
    await expect(within(late, 5, onLate)).rejects.toBeInstanceOf(Timeout);
    await late;
    expect(onLate).toHaveBeenCalledWith(2);
  });
});

describe('rootMessage', () => {
  it('is what the driver said, under the store’s wrapping', () => {
    const inner = new DatabaseUnavailableError('connection', 'outer', { cause: new Error('ECONNREFUSED') });
    expect(rootMessage(new DatabaseUnavailableError('timeout', 'top', { cause: inner }))).toBe(
      'ECONNREFUSED',
    );
    expect(rootMessage('text')).toBe('text');
  });
});

describe('the pool', () => {
  it('runs statements on a checked-out connection, bigint as a number, and keeps it', async () => {
    const s = pgPool(URL);
    const c = await acquire(s, t.acquireMs);
    const res = await run<{ n: number }>(s, c, 'SELECT $1::bigint AS n', [1764140000], t.statementMs);
    expect(res).toEqual({ rows: [{ n: 1_764_140_000 }], rowCount: 1 });
    const named = await run<{ n: number }>(s, c, 'SELECT 2 AS n', undefined, t.statementMs, { name: 'two' });
    expect(named.rows).toEqual([{ n: 2 }]);
    release(s, c);
    expect(c.broken).toBeUndefined();
    expect(s.pool.idleCount).toBe(1);
    expect(s.reconnect).not.toHaveBeenCalled();
  });

  it('a statement past its deadline breaks the connection: destroyed, the pool and LISTEN replaced', async () => {
    const s = pgPool(URL);
    const first = s.pool;
    const c = await acquire(s, t.acquireMs);
    await expect(run(s, c, 'SELECT pg_sleep(1)', undefined, 50)).rejects.toThrow(
      'no answer from the database within 50 ms',
    );
    expect(c.broken).toBeInstanceOf(DatabaseUnavailableError);
    await expect(run(s, c, 'SELECT 1', undefined, t.statementMs)).rejects.toBe(c.broken);
    release(s, c);
    expect(s.pool).not.toBe(first);
    expect(s.reconnect).toHaveBeenCalledTimes(1);
    expect(s.failing).toBe(true);
    const again = await acquire(s, t.acquireMs);
    await run(s, again, 'SELECT 1', undefined, t.statementMs);
    release(s, again);
    expect(s.failing).toBe(false);
  });

  it('a transaction out of time breaks the connection before sending anything', async () => {
    const s = pgPool(URL);
    const c = await acquire(s, t.acquireMs);
    await expect(run(s, c, 'SELECT 1', undefined, 0)).rejects.toThrow(
      'the database transaction ran out of time',
    );
    release(s, c);
    expect(s.pool.totalCount).toBe(0);
  });

  it('a server error is the store’s error and leaves the connection usable', async () => {
    const s = pgPool(URL);
    const c = await acquire(s, t.acquireMs);
    await expect(run(s, c, 'SELECT * FROM no_such_table', undefined, t.statementMs)).rejects.toThrow(
      /no_such_table/,
    );
    expect(c.broken).toBeUndefined();
    release(s, c);
  });

  it('names the refusing host, and every host when none can be used', async () => {
    const one = pgPool('postgres://postgres@127.0.0.1:1/test');
    const e1 = await acquire(one, t.acquireMs).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DatabaseUnavailableError);
    expect(rootMessage(e1)).toMatch(/ECONNREFUSED/);
    expect(one.reconnect).toHaveBeenCalledTimes(1);
    const two = pgPool('postgres://postgres@127.0.0.1:1,127.0.0.1:2/test');
    await expect(acquire(two, t.acquireMs)).rejects.toThrow(
      /^no server could be used \(127\.0\.0\.1:1: .*ECONNREFUSED.*; 127\.0\.0\.1:2: .*ECONNREFUSED/,
    );
  });

  it('a host that refuses hands the next checkout to the next host', async () => {
    const s = pgPool('postgres://postgres@127.0.0.1:1,127.0.0.1:5432/test');
    const c = await acquire(s, t.acquireMs);
    expect(s.hosts.current()).toBe(1);
    release(s, c);
  });
});
