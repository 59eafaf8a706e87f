import { describe, expect, it } from 'vitest';
import { assertServerVersion, checkServerVersion } from '../../src/store/server-version.js';
import { createTestDatabase } from '../helpers/pg.js';

describe('the PostgreSQL version check', () => {
  it('refuses a server older than 14, naming its version, and accepts 14 and later', () => {
    expect(() => assertServerVersion(130012, '13.12')).toThrow(
      'PostgreSQL 13.12 is not supported: Mandate needs PostgreSQL 14 or later',
    );
    expect(() => assertServerVersion(Number.NaN, 'of unknown version')).toThrow(/not supported/);
    expect(() => assertServerVersion(140000, '14.0')).not.toThrow();
    expect(() => assertServerVersion(170002, '17.2')).not.toThrow();
  });

  it('accepts the test server (and so does every test that opens a store)', async () => {
    const t = await createTestDatabase({ migrate: false });
    try {
      await expect(checkServerVersion(t.db)).resolves.toBeUndefined();
    } finally {
      await t.drop();
    }
  });
});
