/**
 * What a connector flow must never write down (issue 16): the assertions it signs, the downstream
 * tokens it receives and the private keys it signs with. A test runs its Mandate with a known KEK
 * (`TEST_KEK`, so that the sealed connector keys can be opened here) and a pino logger writing to
 * an array (`pinoLines`, the JSON lines the service would write to stderr, request logs included),
 * then searches those lines and the audit events for every needle: a JWT by its signature part
 * (enough to find it, whatever else is logged around it), a token as it is, a key by each of its
 * private JWK members and each line of its PKCS#8 PEM, and the sealed form the store holds.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { openConnectorKey } from '../../src/keys/connector-keys.js';
import { createLogger, type Logger } from '../../src/log.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import type { Db } from '../../src/store/db.js';

export const TEST_KEK = randomBytes(32).toString('base64url');

/** A pino logger at debug level and the JSON lines it wrote. */
export function pinoLines(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', (l) => lines.push(l)), lines };
}

/** A token or JWT as it would be found: a JWT by its signature, anything else whole. */
export function needleOf(token: string): string {
  const parts = token.split('.');
  return parts.length === 3 && parts[2]!.length >= 20 ? parts[2]! : token;
}

/** A private key's material in every form it could be written in. */
export function keyMaterial(key: KeyObject): string[] {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = ['d', 'p', 'q', 'dp', 'dq', 'qi']
    .map((m) => jwk[m])
    .filter((v): v is string => typeof v === 'string');
  const pem = key.export({ format: 'pem', type: 'pkcs8' }) as string;
  const lines = pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  return [...members, ...lines];
}

/** Every key (active and next) of a connector: its material, and its sealed form unless `sealed: false`. */
export async function connectorKeyMaterial(db: Db, service: string, sealed = true): Promise<string[]> {
  const kek = Buffer.from(TEST_KEK, 'base64url');
  const rows = await listConnectorKeys(db, service);
  expect(rows.length).toBeGreaterThan(0);
  return rows.flatMap((r) => [...keyMaterial(openConnectorKey(kek, r)), ...(sealed ? [r.privateEnc] : [])]);
}

/**
 * Every row of every table of the public schema, as JSON: where a stored downstream token,
 * assertion or unsealed key would be found (Mandate stores no downstream secret, issue 16 §3).
 */
export async function databaseText(db: Db): Promise<string> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  expect(tables.length).toBeGreaterThan(5);
  const out: string[] = [];
  for (const { table_name: t } of tables) {
    const { rows } = await db.query(`SELECT row_to_json(x)::text AS j FROM "${t}" x`);
    out.push(...rows.map((r) => String((r as { j: string }).j)));
  }
  return out.join('\n');
}

/** The audit events as the outbox holds them, JSON. */
export async function outboxText(db: Db): Promise<string> {
  const { rows } = await db.query<{ event: unknown }>('SELECT event FROM outbox ORDER BY sequence');
  expect(rows.length).toBeGreaterThan(0);
  return JSON.stringify(rows.map((r) => r.event));
}

/** Fails naming what leaked where. */
export function expectNoLeak(
  places: Record<string, string>,
  secrets: Record<string, readonly string[]>,
): void {
  for (const [what, values] of Object.entries(secrets)) {
    expect(values.length, `${what}: nothing to look for`).toBeGreaterThan(0);
    for (const v of values)
      for (const [where, text] of Object.entries(places))
        expect(text.includes(needleOf(v)), `${what} found in ${where}`).toBe(false);
  }
}
