import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/store/pg.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('Postgres driver', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('says where it could not connect, without the password', async () => {
    await expect(openPostgres('postgres://mandate:s3cret@127.0.0.1:1/mandate')).rejects.toThrow(
      /^cannot connect to Postgres at postgres:\/\/mandate:\*\*\*@127\.0\.0\.1:1\/mandate: .*ECONNREFUSED/,
    );
    const missing = new URL(t.url);
    missing.pathname = '/mandate_no_such_db';
    await expect(openPostgres(missing.toString())).rejects.toThrow(
      `cannot connect to Postgres at ${missing.toString()}: database "mandate_no_such_db" does not exist`,
    );
  });

  it('returns bigint columns as numbers', async () => {
    const r = await t.db.query<{ n: number }>('SELECT 1764140000::bigint AS n');
    expect(r.rows).toEqual([{ n: 1_764_140_000 }]);
  });

  it('commits and rolls back transactions on one connection', async () => {
    await t.db.exec('CREATE TABLE tx_probe (x int)');
    const pid = await t.db.tx(async (q) => {
      const a = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await q.query('INSERT INTO tx_probe VALUES (1)');
      const b = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(b.rows[0]!.pid).toBe(a.rows[0]!.pid);
      return a.rows[0]!.pid;
    });
    expect(typeof pid).toBe('number');
    await expect(
      t.db.tx(async (q) => {
        await q.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await t.db.query<{ x: number }>('SELECT x FROM tx_probe');
    expect(rows.rows).toEqual([{ x: 1 }]);
  });

  it('delivers notifications to listeners until they stop', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const stopA = await t.db.listen('Mandate Events', (p) => a.push(p));
    const stopB = await t.db.listen('Mandate Events', (p) => b.push(p));
    await t.db.query(`SELECT pg_notify('Mandate Events', 'one')`);
    await expect.poll(() => [a, b]).toEqual([['one'], ['one']]);
    await stopA();
    await t.db.query(`SELECT pg_notify('Mandate Events', 'two')`);
    await expect.poll(() => b).toEqual(['one', 'two']);
    expect(a).toEqual(['one']);
    await stopB();
  });
});
