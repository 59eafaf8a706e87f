import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/keys/cli.js';
import { createKeyStore } from '../../src/keys/keystore.js';
import { createMemoryLogger } from '../../src/log.js';
import { listSigningKeys } from '../../src/store/signing-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const capture = (env: NodeJS.ProcessEnv, now?: () => number) => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l), ...(now ? { now } : {}) },
  };
};

describe('mandate keys (Postgres)', () => {
  let t: TestDatabase;
  const kek = randomBytes(32);
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('lists, refuses an early rotation, rotates, and the service sees it', async () => {
    const env = { DATABASE_URL: t.url, MANDATE_KEK: kek.toString('base64url') };
    const empty = capture(env);
    expect(await run(['list'], empty.io)).toBe(0);
    expect(empty.out).toEqual(['no signing keys yet: the service creates them when it first starts']);

    const ks = await createKeyStore({ db: t.db, kek, maxTokenTtlSeconds: 600, log: createMemoryLogger() });
    try {
      const [active, next] = ks.jwks().keys.map((k) => k.kid) as [string, string];
      const listed = capture(env);
      expect(await run(['list'], listed.io)).toBe(0);
      expect(listed.out).toHaveLength(2);
      expect(listed.out[0]).toMatch(new RegExp(`^${active}  active   ES256  signing since \\d{4}-`));
      expect(listed.out[1]).toMatch(
        new RegExp(`^${next}  next     ES256  published since .*signs after the next rotation$`),
      );

      await expect(run(['rotate'], capture(env).io)).rejects.toThrow(/verifiers may not have fetched it yet/);

      const later = Math.floor(Date.now() / 1000) + 3600;
      const rotated = capture({ ...env, MANDATE_TOKEN_TTL: '600', MANDATE_CLOCK_SKEW: '45' }, () => later);
      expect(await run(['rotate'], rotated.io)).toBe(0);
      expect(rotated.out.slice(0, 2)).toEqual([`activated ${next}`, `retired   ${active}`]);
      const rows = await listSigningKeys(t.db);
      expect(rows.find((r) => r.kid === active)?.expiresAt).toBe(later + 600 + 45 + 30);

      await ks.refresh();
      expect(ks.signingKey().kid).toBe(next);
    } finally {
      ks.close();
    }
  });

  it('rejects bad usage with status 2', async () => {
    const env = { DATABASE_URL: t.url, MANDATE_KEK: kek.toString('base64url') };
    const c = capture(env);
    expect(await run(['spin'], c.io)).toBe(2);
    expect(c.err.at(-1)).toMatch(/^usage: mandate keys rotate/);
    const d = capture(env);
    expect(await run(['rotate', '--max-ttl', 'soon'], d.io)).toBe(2);
    expect(d.err).toEqual(['max token TTL must be a positive whole number of seconds, got "soon"']);
  });
});

describe('mandate keys (embedded PGlite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('uses MANDATE_DATA_DIR for the database and the KEK file when nothing else is set', async () => {
    const c = capture({ MANDATE_DATA_DIR: dir });
    expect(await run(['rotate', '--force'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^activated [\w-]{43}$/);
    expect(c.out.filter((l) => /^[\w-]{43} {2}(active|next|retired)/.test(l))).toHaveLength(3);
    expect((await stat(join(dir, 'kek'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'pgdata'))).isDirectory()).toBe(true);
    expect(c.err.some((l) => l.includes('production must set MANDATE_KEK'))).toBe(true);
    // PGlite's first start (initdb in WebAssembly) took over 30 s with the machine at load 20.
  }, 120_000);
});
