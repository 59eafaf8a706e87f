import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSession, createHostSelector } from '../../src/store/pg-hosts.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const hosts = ['a:5432', 'b:5432', 'c:5433'].map((label) => ({ label, url: `postgres://${label}/m` }));

describe('createHostSelector', () => {
  it('starts at the first host and moves on, wrapping, when the current one fails', () => {
    const s = createHostSelector(hosts, 'read-write');
    expect(s.current()).toBe(0);
    s.failed(0);
    expect(s.current()).toBe(1);
    s.failed(1);
    s.failed(2);
    expect(s.current()).toBe(0);
    expect(s.targetSessionAttrs).toBe('read-write');
    expect(s.hosts).toBe(hosts);
  });

  it('ignores the failure of a host it already moved away from (connections in flight)', () => {
    const s = createHostSelector(hosts, 'any');
    s.failed(0);
    // Another connection opened to host 0 fails later: it must not skip host 1.
    s.failed(0);
    expect(s.current()).toBe(1);
  });
});

describe('checkSession on the test server', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('accepts a writable primary for every target', async () => {
    for (const attrs of ['any', 'read-write', 'primary'] as const)
      await expect(checkSession((sql) => t.db.query(sql), attrs, 'db1:5432')).resolves.toBeUndefined();
  });

  it('refuses a read-only session for read-write, as read_only naming the host', async () => {
    await t.db.tx(async (q) => {
      await q.query('SET TRANSACTION READ ONLY');
      const err = await checkSession((sql) => q.query(sql), 'read-write', 'db1:5432').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err).toMatchObject({
        kind: 'read_only',
        message: 'db1:5432 is read-only (target_session_attrs=read-write asks for a writable server)',
      });
      // A read-only session on a primary still suits `primary` and `any`.
      await checkSession((sql) => q.query(sql), 'primary', 'db1:5432');
      await checkSession((sql) => q.query(sql), 'any', 'db1:5432');
    });
  });

  it('refuses a server in recovery for primary (the answer of a standby)', async () => {
    const standby = async (sql: string) => {
      expect(sql).toBe('SELECT pg_is_in_recovery() AS unsuitable');
      return { rows: [{ unsuitable: true }] };
    };
    await expect(checkSession(standby, 'primary', 'db2:5432')).rejects.toThrow(
      'db2:5432 is a standby (target_session_attrs=primary asks for the primary)',
    );
    // `any` does not even ask.
    await checkSession(() => Promise.reject(new Error('asked')), 'any', 'db2:5432');
  });
});
