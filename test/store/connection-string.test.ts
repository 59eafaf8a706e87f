/**
 * DATABASE_URL as libpq users write it: several hosts, target_session_attrs (PostgreSQL manual
 * §34.1.1–2), and passwords never shown in logs.
 */
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/store/connection-string.js';

describe('parseDatabaseUrl', () => {
  it('splits a host list into single-host URLs, keeping credentials and parameters', () => {
    expect(
      parseDatabaseUrl(
        'postgresql://app:p%40ss@db1.example:5432,[::1]:5433,db3/mandate?sslmode=require&target_session_attrs=read-write',
      ),
    ).toEqual({
      targetSessionAttrs: 'read-write',
      hosts: [
        {
          label: 'db1.example:5432',
          url: 'postgresql://app:p%40ss@db1.example:5432/mandate?sslmode=require',
        },
        { label: '[::1]:5433', url: 'postgresql://app:p%40ss@[::1]:5433/mandate?sslmode=require' },
        { label: 'db3', url: 'postgresql://app:p%40ss@db3/mandate?sslmode=require' },
      ],
    });
  });

  it('defaults to any, as libpq does, and accepts primary', () => {
    expect(parseDatabaseUrl('postgres://db/m').targetSessionAttrs).toBe('any');
    expect(parseDatabaseUrl('postgres://db/m?target_session_attrs=primary').targetSessionAttrs).toBe(
      'primary',
    );
  });

  it('refuses what a writer cannot use, and host lists it cannot read', () => {
    for (const tsa of ['read-only', 'standby', 'prefer-standby'])
      expect(() => parseDatabaseUrl(`postgres://db/m?target_session_attrs=${tsa}`)).toThrow(
        `target_session_attrs=${tsa} cannot work: Mandate writes on every request (use read-write or primary)`,
      );
    expect(() => parseDatabaseUrl('postgres://db/m?host=a,b')).toThrow(
      'list several hosts in the address part (postgres://user@host1:5432,host2:5432/db), not in a host parameter',
    );
    expect(() => parseDatabaseUrl('mysql://db/m')).toThrow('must be a postgres:// URL');
    expect(() => parseDatabaseUrl('postgres://db1,db 2/m')).toThrow("'db 2' is not a valid host[:port]");
  });
});
