import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEK_FORMAT_ERROR, loadOrCreateKek, open, parseKek, resolveKek, seal } from '../../src/keys/kek.js';
import { createMemoryLogger } from '../../src/log.js';

const kek = randomBytes(32);

describe('parseKek', () => {
  it('accepts 32 bytes of base64url', () => {
    const k = randomBytes(32);
    expect(parseKek(k.toString('base64url')).equals(k)).toBe(true);
    expect(parseKek(` ${k.toString('base64url')}\n`).equals(k)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['16 bytes', randomBytes(16).toString('base64url')],
    ['33 bytes', randomBytes(33).toString('base64url')],
    ['standard base64 with padding', randomBytes(32).toString('base64')],
    ['hex', randomBytes(32).toString('hex')],
    ['non-canonical last character', randomBytes(32).toString('base64url').slice(0, 42) + 'B'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseKek(text)).toThrow(KEK_FORMAT_ERROR);
  });

  it('has an exact, actionable message', () => {
    expect(KEK_FORMAT_ERROR).toBe(
      'MANDATE_KEK must be 32 random bytes encoded as base64url (43 characters, no padding), e.g. from ' +
        `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
    );
  });
});

describe('seal/open', () => {
  const secret = Buffer.from('private key bytes');

  it('round-trips and never repeats a ciphertext', () => {
    const a = seal(kek, 'kid-1', secret);
    const b = seal(kek, 'kid-1', secret);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(open(kek, 'kid-1', a).equals(secret)).toBe(true);
  });

  it('names a wrong KEK', () => {
    const sealed = seal(kek, 'kid-1', secret);
    expect(() => open(randomBytes(32), 'kid-1', sealed)).toThrow(
      /^signing key kid-1 was sealed under another key-encryption key \(kek id [\w-]+, current [\w-]+\): check MANDATE_KEK$/,
    );
  });

  it('detects tampering and a key moved to another row', () => {
    const sealed = seal(kek, 'kid-1', secret);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0]! ^= 1;
    parts[3] = ct.toString('base64url');
    const tampered =
      'signing key kid-1: sealed private key failed authentication (tampered with, or moved from another row)';
    expect(() => open(kek, 'kid-1', parts.join('.'))).toThrow(tampered);
    expect(() => open(kek, 'kid-2', sealed)).toThrow(
      'signing key kid-2: sealed private key failed authentication (tampered with, or moved from another row)',
    );
  });

  it('refuses an unknown format', () => {
    expect(() => open(kek, 'k', 'v2.a.b.c.d')).toThrow(
      'signing key k: sealed private key is not in a supported format (expected v1)',
    );
  });
});

describe('loadOrCreateKek', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-kek-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates <dataDir>/kek with mode 0600, warns, and reads the same key back', async () => {
    const log = createMemoryLogger();
    const dataDir = join(dir, 'data');
    const first = await loadOrCreateKek(dataDir, log);
    expect(first).toHaveLength(32);
    expect((await stat(join(dataDir, 'kek'))).mode & 0o777).toBe(0o600);
    expect(log.lines[0]).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('production must set MANDATE_KEK'),
    });
    expect((await loadOrCreateKek(dataDir, log)).equals(first)).toBe(true);
    expect(parseKek(await readFile(join(dataDir, 'kek'), 'utf8')).equals(first)).toBe(true);
  });

  it('agrees on one key when several processes start at once', async () => {
    const log = createMemoryLogger();
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateKek(dir, log)));
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
  });

  it('names the file holding a malformed KEK', async () => {
    await writeFile(join(dir, 'kek'), 'short');
    await expect(loadOrCreateKek(dir, createMemoryLogger())).rejects.toThrow(
      `${join(dir, 'kek')}: ${KEK_FORMAT_ERROR}`,
    );
  });

  it('prefers MANDATE_KEK over the file', async () => {
    const k = randomBytes(32);
    const log = createMemoryLogger();
    expect((await resolveKek(k.toString('base64url'), dir, log)).equals(k)).toBe(true);
    await expect(stat(join(dir, 'kek'))).rejects.toThrow(/ENOENT/);
    expect(log.lines).toEqual([]);
    await expect(resolveKek('nope', dir, log)).rejects.toThrow(KEK_FORMAT_ERROR);
  });
});
