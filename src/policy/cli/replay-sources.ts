/**
 * Where `mandate policy replay` reads recorded decisions (issue 13 §1 `--from`): the Postgres
 * outbox (every event, kept as the audit record), the JetStream audit stream, or a JSON-lines file
 * of events (the relay's file when no NATS is configured, or `mandate audit tail --json` output).
 * Configuration is the service's own, as for `mandate audit` (DATABASE_URL, NATS_URL,
 * MANDATE_AUDIT_STREAM, MANDATE_DATA_DIR). This adapter is the one place the policy tooling reads
 * the audit log; the policy core (replay/) never imports the audit module.
 */
import { readFile } from 'node:fs/promises';
import { connect } from '@nats-io/transport-node';
import { DECISION_EVENT_TYPE, decisionEventSchema } from '../../audit/events.js';
import { readStreamEvents } from '../../audit/verify-stream.js';
import { parseJsonLines } from '../../audit/verify.js';
import type { AuditToolConfig } from '../../config/index.js';
import { createLogger } from '../../log.js';
import { openDb } from '../../store/index.js';
import type { RecordedDecision } from '../replay/compare.js';

export interface Window {
  /** Inclusive lower bound, ms since the epoch. */
  since?: number;
  /** Exclusive upper bound, ms since the epoch. */
  until?: number;
}

export interface Recorded {
  decisions: RecordedDecision[];
  /** Decision events that do not follow the event schema (and so cannot be replayed). */
  unreadable: number;
  /** Where they came from, for the report. */
  source: string;
}

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `--since`/`--until`: an RFC 3339 date-time or date (`2026-12-01T00:00:00Z`, `2026-12-01`), or a
 * span before now (`90m`, `24h`, `7d`).
 */
export function parseInstant(text: string, now: number): number | undefined {
  const rel = RELATIVE.exec(text);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i.test(text))
    return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function within(time: string, w: Window): boolean {
  const t = Date.parse(time);
  return (w.since === undefined || t >= w.since) && (w.until === undefined || t < w.until);
}

/** The recorded decisions among `events` (any audit events) inside the window, in their order. */
export function recordedDecisions(events: Iterable<unknown>, w: Window): Omit<Recorded, 'source'> {
  const decisions: RecordedDecision[] = [];
  let unreadable = 0;
  for (const e of events) {
    if ((e as { type?: unknown } | null)?.type !== DECISION_EVENT_TYPE) continue;
    const parsed = decisionEventSchema.safeParse(e);
    if (!parsed.success) {
      unreadable += 1;
      continue;
    }
    const { time, data } = parsed.data;
    if (!within(time, w)) continue;
    decisions.push({
      decision_id: data.decision_id,
      time,
      input: data.input,
      enforced: data.enforced,
      revision: Object.values(data.bundles)[0]?.revision ?? '',
      ...(data.registry === undefined ? {} : { registry: data.registry.digest }),
      masked: (data.masked ?? []).some((p) => p.startsWith('/input/')),
    });
  }
  return { decisions, unreadable };
}

/** Decision events of the Postgres outbox, page by page in sequence order. */
async function fromPostgres(config: AuditToolConfig, w: Window): Promise<unknown[]> {
  const db = await openDb({
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    dataDir: config.dataDir,
    log: createLogger('warn', () => {}),
    postgres: config.database,
  });
  const events: unknown[] = [];
  try {
    let after = 0;
    for (;;) {
      // The window is applied again on the parsed event; here it only spares reading the rest.
      const page = await db.query<{ sequence: string | number; body: string }>(
        `SELECT sequence, event::text AS body FROM outbox
          WHERE sequence > $1 AND subject LIKE 'decision.%'
            AND ($2::text IS NULL OR event->>'time' >= $2) AND ($3::text IS NULL OR event->>'time' < $3)
          ORDER BY sequence LIMIT 1000`,
        [
          after,
          w.since === undefined ? null : new Date(w.since).toISOString(),
          w.until === undefined ? null : new Date(w.until).toISOString(),
        ],
      );
      for (const row of page.rows) events.push(JSON.parse(row.body));
      const last = page.rows.at(-1);
      if (last === undefined || page.rows.length < 1000) break;
      after = Number(last.sequence);
    }
  } finally {
    await db.close();
  }
  return events;
}

async function fromStream(config: AuditToolConfig, stream: string): Promise<unknown[]> {
  if (config.natsUrl === undefined) throw new Error('--from stream: NATS_URL is not set');
  const nc = await connect({ servers: config.natsUrl.split(','), name: 'mandate-policy-replay' });
  try {
    return await readStreamEvents(nc, stream);
  } finally {
    await nc.close();
  }
}

/** Reads the recorded decisions from `from`: `postgres`, `stream`, or a file path. */
export async function readRecorded(
  from: string,
  config: AuditToolConfig,
  w: Window,
  streamName: string,
): Promise<Recorded> {
  const events =
    from === 'postgres'
      ? await fromPostgres(config, w)
      : from === 'stream'
        ? await fromStream(config, streamName)
        : parseJsonLines(await readFile(from, 'utf8'));
  const source =
    from === 'postgres'
      ? config.databaseUrl === undefined
        ? `embedded Postgres in ${config.dataDir}`
        : 'Postgres outbox'
      : from === 'stream'
        ? `stream ${streamName}`
        : from;
  return { ...recordedDecisions(events, w), source };
}
