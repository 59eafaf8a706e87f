/**
 * `mandate keys rotate|list`: operates on the same store and KEK as the service: Postgres when
 * DATABASE_URL is set, else embedded PGlite in MANDATE_DATA_DIR (default ./data); the KEK from
 * MANDATE_KEK, else `<dataDir>/kek`; token lifetime and skew from MANDATE_TOKEN_TTL and
 * MANDATE_CLOCK_SKEW. With PGlite, stop the service first: one process per data folder.
 */
import { createLogger } from '../log.js';
import { openDb } from '../store/index.js';
import { listSigningKeys, type SigningKeyRow } from '../store/signing-keys.js';
import { resolveKek } from './kek.js';
import { rotateKeys } from './rotate.js';
import type { CliIo } from '../cli-io.js';

const USAGE = `usage: mandate keys rotate [--force] [--max-ttl <seconds>]
       mandate keys list`;

/** Default wait between rotations: the keystore refresh (30 s) plus a JWKS cache of a few minutes. */
const MIN_NEXT_AGE_SECONDS = 300;
/** The keystore's default refresh interval (keystore.ts). */
const REFRESH_SECONDS = 30;

const iso = (s: number | null): string => (s === null ? '-' : new Date(s * 1000).toISOString());

function describe(k: SigningKeyRow, now: number): string {
  const when =
    k.state === 'retired'
      ? `retired ${iso(k.retiredAt)}, published until ${iso(k.expiresAt)}${(k.expiresAt ?? 0) <= now ? ' (expired)' : ''}`
      : k.state === 'active'
        ? `signing since ${iso(k.activatedAt)}`
        : `published since ${iso(k.createdAt)}, signs after the next rotation`;
  return `${k.kid}  ${k.state.padEnd(7)}  ${k.alg}  ${when}`;
}

function parseFlags(args: string[]): { force: boolean; maxTtl?: string } | string {
  let force = false;
  let maxTtl: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--force') force = true;
    else if (a === '--max-ttl') maxTtl = args[++i];
    else if (a.startsWith('--max-ttl=')) maxTtl = a.slice('--max-ttl='.length);
    else return `unknown argument: ${a}`;
  }
  return { force, ...(maxTtl !== undefined ? { maxTtl } : {}) };
}

export async function run(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((l: string) => void process.stdout.write(l + '\n'));
  const err = io.err ?? ((l: string) => void process.stderr.write(l + '\n'));
  const now = io.now ?? (() => Math.floor(Date.now() / 1000));
  const [cmd, ...rest] = argv;
  const flags = parseFlags(rest);
  if (
    (cmd !== 'rotate' && cmd !== 'list') ||
    typeof flags === 'string' ||
    (cmd === 'list' && rest.length > 0)
  ) {
    if (typeof flags === 'string') err(flags);
    err(USAGE);
    return 2;
  }
  // The service's MANDATE_TOKEN_TTL; when unset here, its maximum (3600), so that a retired key is
  // never dropped before a token signed under a larger configured lifetime has expired.
  const ttlText = flags.maxTtl ?? env.MANDATE_TOKEN_TTL ?? '3600';
  const skewText = env.MANDATE_CLOCK_SKEW ?? '60';
  const maxTokenTtlSeconds = Number(ttlText);
  const clockSkew = Number(skewText);
  if (!Number.isInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds <= 0) {
    err(`max token TTL must be a positive whole number of seconds, got ${JSON.stringify(ttlText)}`);
    return 2;
  }
  if (!Number.isInteger(clockSkew) || clockSkew < 0) {
    err(`MANDATE_CLOCK_SKEW must be a whole number of seconds, got ${JSON.stringify(skewText)}`);
    return 2;
  }

  const log = createLogger('warn', err);
  const dataDir = env.MANDATE_DATA_DIR || './data';
  const kek = await resolveKek(env.MANDATE_KEK, dataDir, log);
  const db = await openDb({ ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}), dataDir, log });
  try {
    if (cmd === 'rotate') {
      const r = await rotateKeys({
        db,
        kek,
        maxTokenTtlSeconds,
        // Verifiers' clock skew, plus instances signing with the old key until their next refresh.
        skewSeconds: clockSkew + REFRESH_SECONDS,
        now,
        minNextAgeSeconds: flags.force ? 0 : MIN_NEXT_AGE_SECONDS,
      });
      out(`activated ${r.activated}`);
      out(`retired   ${r.retired}`);
      out(`next      ${r.next}`);
      for (const kid of r.removed) out(`removed   ${kid}`);
      out('running instances switch keys at their next refresh (within 30 s)');
    }
    const keys = await listSigningKeys(db);
    if (keys.length === 0) out('no signing keys yet: the service creates them when it first starts');
    for (const k of keys) out(describe(k, now()));
    return 0;
  } finally {
    await db.close();
  }
}
