/**
 * `mandate connectors list|cert|jwk|rotate`: the connectors' assertion signing keys (ADR 0013), on
 * the same store and KEK as the service (DATABASE_URL, else embedded PGlite in MANDATE_DATA_DIR;
 * MANDATE_KEK, else `<dataDir>/kek`). `cert` prints the self-signed certificate a SaaS registers
 * (Salesforce's connected app), `jwk` the public JWK (an RFC 7523 trust relationship, a client's
 * `jwks`); `--next` prints the key the next rotation activates, to register it beforehand. A
 * service named in MANDATE_CONFIG's connectors gets its keys here if the service has not yet
 * created them; any other name is refused. With PGlite, stop the service first.
 */
import { readFileSync } from 'node:fs';
import { configFileSchema } from '../config/file.js';
import { keyedKinds } from '../oauth/connectors/kinds.js';
import { createLogger } from '../log.js';
import { openDb } from '../store/index.js';
import type { Db } from '../store/db.js';
import { listConnectorKeys, listConnectorServices, type ConnectorKeyRow } from '../store/connector-keys.js';
import { ensureConnectorKeys, rotateConnectorKeys } from './connector-keys.js';
import { resolveKek } from './kek.js';
import type { CliIo } from '../cli-io.js';

const USAGE = `usage: mandate connectors list
       mandate connectors cert <service> [--next]
       mandate connectors jwk <service> [--next]
       mandate connectors rotate <service>`;

const iso = (s: number | null): string => (s === null ? '-' : new Date(s * 1000).toISOString());

function describe(k: ConnectorKeyRow): string {
  const when =
    k.state === 'active'
      ? `signing since ${iso(k.activatedAt)}`
      : k.state === 'next'
        ? `created ${iso(k.createdAt)}, signs after the next rotation`
        : `retired ${iso(k.retiredAt)}`;
  return `${k.service}  ${k.kid}  ${k.state.padEnd(7)}  ${k.alg}  ${when}`;
}

/** The keyed connectors MANDATE_CONFIG names (the file as the service reads it). */
function configuredServices(env: NodeJS.ProcessEnv): Set<string> {
  const path = env.MANDATE_CONFIG;
  if (path === undefined || path === '') return new Set();
  const file = configFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  return new Set(file.connectors.filter((c) => keyedKinds.includes(c.kind)).map((c) => c.service));
}

interface Parsed {
  cmd: 'list' | 'cert' | 'jwk' | 'rotate';
  service?: string;
  next: boolean;
}

function parse(argv: string[]): Parsed | undefined {
  const [cmd, ...rest] = argv;
  const next = rest.includes('--next');
  const positional = rest.filter((a) => a !== '--next');
  if (rest.some((a) => a.startsWith('--') && a !== '--next')) return undefined;
  if (cmd === 'list') return positional.length === 0 && !next ? { cmd, next } : undefined;
  if (cmd !== 'cert' && cmd !== 'jwk' && cmd !== 'rotate') return undefined;
  if (positional.length !== 1 || (cmd === 'rotate' && next)) return undefined;
  return { cmd, service: positional[0]!, next };
}

async function keysOf(db: Db, kek: Buffer, service: string, env: NodeJS.ProcessEnv, now: number) {
  const existing = await listConnectorKeys(db, service);
  if (existing.length > 0) return existing;
  if (!configuredServices(env).has(service))
    throw new Error(
      `no connector keys for '${service}', and MANDATE_CONFIG names no jwt-bearer, salesforce or id-jag connector with that service`,
    );
  await db.tx((q) => ensureConnectorKeys(q, kek, service, now));
  return listConnectorKeys(db, service);
}

export async function run(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((l: string) => void process.stdout.write(l + '\n'));
  const err = io.err ?? ((l: string) => void process.stderr.write(l + '\n'));
  const now = io.now ?? (() => Math.floor(Date.now() / 1000));
  const args = parse(argv);
  if (args === undefined) {
    err(USAGE);
    return 2;
  }
  const log = createLogger('warn', err);
  const dataDir = env.MANDATE_DATA_DIR || './data';
  const kek = await resolveKek(env.MANDATE_KEK, dataDir, log);
  const db = await openDb({ ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}), dataDir, log });
  try {
    if (args.cmd === 'list') {
      const services = await listConnectorServices(db);
      if (services.length === 0) out('no connector keys yet: the service creates them when it first starts');
      for (const s of services) for (const k of await listConnectorKeys(db, s)) out(describe(k));
      return 0;
    }
    const service = args.service!;
    if (args.cmd === 'rotate') {
      await keysOf(db, kek, service, env, now());
      const r = await rotateConnectorKeys(db, kek, service, now());
      out(`activated ${r.activated}`);
      out(`retired   ${r.retired}`);
      out(`next      ${r.next}`);
      for (const kid of r.removed) out(`removed   ${kid}`);
      out('running instances sign with the new key at their next refresh (within 30 s)');
      return 0;
    }
    const keys = await keysOf(db, kek, service, env, now());
    const key = keys.find((k) => k.state === (args.next ? 'next' : 'active'))!;
    if (args.cmd === 'cert') out(key.certificatePem.trimEnd());
    else out(JSON.stringify(key.publicJwk));
    return 0;
  } finally {
    await db.close();
  }
}
