/**
 * `mandate audit verify [--stream] [--file] [--json]` and
 * `mandate audit tail [--subject S] [--json|--ocsf] [--durable NAME] [--max N] [--idle SECONDS]`
 * (docs/audit.md). Configuration is the service's own, read by the same schema: DATABASE_URL (and
 * its MANDATE_DB_* timeouts), NATS_URL, MANDATE_AUDIT_STREAM (the stream holds `<prefix>.>` of
 * MANDATE_AUDIT_SUBJECT_PREFIX), MANDATE_DATA_DIR. Exit status: 0 when the chain verifies (or tail ends), 1 when a link is broken
 * or a destination holds a fork, 2 on bad usage or configuration.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { ConfigError, loadAuditToolConfig } from '../config/index.js';
import type { AuditToolConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { openDb } from '../store/index.js';
import { natsAuthOptions } from './nats-auth.js';
import { tail } from './tail.js';
import type { TailFormat } from './tail.js';
import { readStreamEvents } from './verify-stream.js';
import { findFork, parseJsonLines, verifyEvents, verifyPostgres, withFork } from './verify.js';
import type { VerifyReport } from './verify.js';
import type { CliIo } from '../cli-io.js';

const defaultIo: CliIo = {
  env: process.env,
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

const USAGE = `usage:
  mandate audit verify [--stream] [--stream-name NAME] [--file] [--file-path PATH] [--json]
  mandate audit tail [--subject authz.decision.>] [--json | --ocsf] [--durable NAME] [--stream-name NAME] [--max N] [--idle SECONDS]`;

export async function run(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'verify') return await verify(rest, io, loadAuditToolConfig(io.env));
    if (command === 'tail') return await tailCommand(rest, io, loadAuditToolConfig(io.env));
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`mandate audit: configuration error\n${err.message}`);
      return 2;
    }
    throw err;
  }
  io.err(USAGE);
  return 2;
}

function describe(r: VerifyReport): string {
  if (r.broken?.reason === 'fork')
    return `${r.source}: FORK at sequence ${r.broken.sequence}: ${r.broken.detail}`;
  if (r.broken)
    return `${r.source}: BROKEN at sequence ${r.broken.sequence}: ${r.broken.reason}: ${r.broken.detail}`;
  const range = r.first === undefined ? 'empty' : `sequences ${r.first}..${r.last}`;
  const dups = r.duplicates > 0 ? `, ${r.duplicates} identical repeats` : '';
  return `${r.source}: ok, ${r.checked} events, ${range}${dups}`;
}

async function verify(argv: string[], io: CliIo, config: AuditToolConfig): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'boolean', default: false },
      'stream-name': { type: 'string', default: config.auditStream.name },
      file: { type: 'boolean', default: false },
      'file-path': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.stream && config.natsUrl === undefined) {
    io.err('mandate audit verify --stream: NATS_URL is not set');
    return 2;
  }
  const reports: VerifyReport[] = [];
  const log = createLogger('warn', io.err);
  const db = await openDb({
    ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
    dataDir: config.dataDir,
    log,
    postgres: config.database,
  });
  try {
    reports.push(await verifyPostgres(db));
    // Each destination is checked on its own, then against the database: a destination holding
    // events of another timeline (a fork) is named with the sequence where the timelines part.
    if (values.stream) {
      const name = values['stream-name'];
      const nc = await connect({
        servers: config.natsUrl!.split(','),
        name: 'mandate-audit-verify',
        ...natsAuthOptions(config.natsClient.auth),
      });
      try {
        const events = await readStreamEvents(nc, name);
        reports.push(withFork(verifyEvents(events, 'stream'), await findFork(db, events, `stream ${name}`)));
      } finally {
        await nc.close();
      }
    }
    if (values.file || values['file-path']) {
      const path = values['file-path'] ?? join(config.dataDir, 'audit.jsonl');
      const events = parseJsonLines(await readFile(path, 'utf8'));
      reports.push(withFork(verifyEvents(events, 'file'), await findFork(db, events, path)));
    }
  } finally {
    await db.close();
  }
  for (const r of reports) io.out(values.json ? JSON.stringify(r) : describe(r));
  return reports.every((r) => r.ok) ? 0 : 1;
}

async function tailCommand(argv: string[], io: CliIo, config: AuditToolConfig): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subject: { type: 'string' },
      json: { type: 'boolean', default: false },
      ocsf: { type: 'boolean', default: false },
      durable: { type: 'string', default: 'mandate-audit-tail' },
      'stream-name': { type: 'string', default: config.auditStream.name },
      max: { type: 'string' },
      idle: { type: 'string' },
    },
    strict: true,
  });
  const url = config.natsUrl;
  if (url === undefined) {
    io.err('mandate audit tail: NATS_URL is not set (without NATS the audit is in <data dir>/audit.jsonl)');
    return 2;
  }
  if (values.json && values.ocsf) {
    io.err('mandate audit tail: choose one of --json and --ocsf');
    return 2;
  }
  const format: TailFormat = values.ocsf ? 'ocsf' : values.json ? 'json' : 'text';
  const max = values.max === undefined ? undefined : Number(values.max);
  const idle = values.idle === undefined ? undefined : Number(values.idle) * 1000;
  if ((max !== undefined && !(max > 0)) || (idle !== undefined && !(idle >= 0))) {
    io.err('mandate audit tail: --max and --idle take positive numbers');
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  io.signal?.addEventListener('abort', onSignal);
  if (io === defaultIo) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const nc = await connect({
    servers: url.split(','),
    name: 'mandate-audit-tail',
    maxReconnectAttempts: -1,
    ...natsAuthOptions(config.natsClient.auth),
  });
  try {
    await tail({
      nc,
      stream: values['stream-name'],
      durable: values.durable,
      ...(values.subject !== undefined ? { subject: values.subject } : {}),
      format,
      write: io.out,
      signal: controller.signal,
      ...(max !== undefined ? { max } : {}),
      ...(idle !== undefined ? { idleMs: idle } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await nc.drain();
  }
  return 0;
}
