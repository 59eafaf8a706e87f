/**
 * buildKeys on a throwaway database: the key-encryption key from MANDATE_KEK or generated into the
 * data folder (and found there again), a signing key created and published, and one instance's key
 * readable by the next (same KEK).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { buildKeys } from '../../src/wiring/keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-wiring-keys-'));
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (env: Record<string, string> = {}) =>
  loadConfig({
    MANDATE_ISSUER: 'http://localhost:8080',
    MANDATE_CONFIG: 'examples/mandate.json',
    DATABASE_URL: t.url,
    MANDATE_DATA_DIR: dir,
    ...env,
  });

describe('buildKeys', () => {
  it('generates a KEK into the data folder, creates a signing key and publishes it', async () => {
    const first = await buildKeys(config(), t.db, createLogger('error'));
    const kid = first.value.signing.signingKey().kid;
    expect(first.value.kek).toHaveLength(32);
    expect(first.value.signing.jwks().keys.map((k) => k.kid)).toContain(kid);
    await first.close();
    // The next start finds the same KEK and the same key.
    const second = await buildKeys(config(), t.db, createLogger('error'));
    expect(second.value.kek.equals(first.value.kek)).toBe(true);
    expect(second.value.signing.signingKey().kid).toBe(kid);
    // No connector signs in the example file: asking for one fails.
    expect(() => second.value.connectors.signingKey('salesforce')).toThrow();
    await second.close();
  });

  it('MANDATE_KEK wins over the data folder, and a wrong KEK cannot open the stored keys', async () => {
    const other = randomBytes(32).toString('base64url');
    const built = buildKeys(config({ MANDATE_KEK: other }), t.db, createLogger('error'));
    await expect(built).rejects.toThrow(/KEK|key-encryption|decrypt|unseal/i);
  });
});
