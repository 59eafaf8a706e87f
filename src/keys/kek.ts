/**
 * Sealing of private signing keys under a key-encryption key (KEK) from the environment
 * (design.md, State: "private parts encrypted with a key-encryption key"). AES-256-GCM, with the
 * kid in the additional authenticated data, so that a sealed key copied onto another row fails to
 * open. Sealed format, one string: `v1.<kek id>.<iv>.<ciphertext>.<tag>` (base64url parts); the kek
 * id is a short HMAC of the KEK, which tells "wrong KEK" apart from "tampered ciphertext".
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

export const KEK_FORMAT_ERROR =
  'MANDATE_KEK must be 32 random bytes encoded as base64url (43 characters, no padding), e.g. from ' +
  `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`;

/** Parses a base64url KEK; throws KEK_FORMAT_ERROR unless it is exactly 32 bytes. */
export function parseKek(b64url: string): Buffer {
  const s = b64url.trim();
  if (!B64URL_32.test(s)) throw new Error(KEK_FORMAT_ERROR);
  const key = Buffer.from(s, 'base64url');
  // 43 characters carry 258 bits: the last two must be zero for the text to be canonical.
  if (key.length !== 32 || key.toString('base64url') !== s) throw new Error(KEK_FORMAT_ERROR);
  return key;
}

/** A short, non-secret identifier of a KEK (first 8 bytes of an HMAC under it). */
export function kekId(kek: Buffer): string {
  return createHmac('sha256', kek).update('mandate kek id').digest().subarray(0, 8).toString('base64url');
}

const aad = (id: string, kid: string): Buffer => Buffer.from(`mandate signing key ${VERSION} ${id} ${kid}`);

export function seal(kek: Buffer, kid: string, plaintext: Buffer): string {
  const id = kekId(kek);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad(id, kid));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, id, iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join(
    '.',
  );
}

export function open(kek: Buffer, kid: string, sealed: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new Error(
      `signing key ${kid}: sealed private key is not in a supported format (expected ${VERSION})`,
    );
  }
  const [, id, iv, ct, tag] = parts as [string, string, string, string, string];
  const mine = kekId(kek);
  if (id.length !== mine.length || !timingSafeEqual(Buffer.from(id), Buffer.from(mine))) {
    throw new Error(
      `signing key ${kid} was sealed under another key-encryption key (kek id ${id}, current ${mine}): check MANDATE_KEK`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(id, kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  } catch {
    throw new Error(
      `signing key ${kid}: sealed private key failed authentication (tampered with, or moved from another row)`,
    );
  }
}

/**
 * The embedded default (design.md, Embedded defaults): `<dataDir>/kek`, created with mode 0600 on
 * first start. A KEK beside the database it protects only guards against a leaked database dump,
 * hence the warning.
 */
export async function loadOrCreateKek(dataDir: string, log: Logger): Promise<Buffer> {
  const path = join(dataDir, 'kek');
  const read = async (): Promise<Buffer> => {
    const text = await readFile(path, 'utf8');
    try {
      return parseKek(text);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    }
  };
  try {
    const kek = await read();
    log.warn('keys: using the key-encryption key in the data folder; production must set MANDATE_KEK', {
      path,
    });
    return kek;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  // Written aside then hard-linked into place: link() fails when the file exists, so when two
  // processes start at once one KEK wins and nobody reads a half-written file.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  log.warn('keys: generated a key-encryption key in the data folder; production must set MANDATE_KEK', {
    path,
  });
  return read();
}

/** The service's rule, shared by the CLI: MANDATE_KEK when set, else the data-folder file. */
export async function resolveKek(env: string | undefined, dataDir: string, log: Logger): Promise<Buffer> {
  return env !== undefined && env !== '' ? parseKek(env) : loadOrCreateKek(dataDir, log);
}
