/**
 * `mandate policy replay BUNDLE [--since T] [--until T] [--from postgres|stream|FILE] [--json]`
 * (issue 13 §1, rego/README.md "Replay"): re-decides recorded decisions against a candidate bundle
 * and prints what would change. Exit status: 0 nothing changed, 3 something changed, 1 the bundle
 * or the decisions cannot be read, 2 bad usage or configuration.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadAuditToolConfig, type AuditToolConfig } from '../../config/index.js';
import { createMemoryLogger } from '../../log.js';
import { DEFAULT_ENTRYPOINT } from '../contract.js';
import { createDecide } from '../decide.js';
import { loadBundle } from '../load.js';
import { formatReport, replayDecisions } from '../replay/replay.js';
import { registryOf, verificationKey } from './check.js';
import type { PolicyCliIo } from './io.js';
import { UsageError } from './io.js';
import { parseInstant, readRecorded } from './replay-sources.js';

export const REPLAY_USAGE =
  'mandate policy replay BUNDLE [--since T] [--until T] [--from postgres|stream|FILE] [--stream-name NAME] [--json] [--verification-key PEM] [--entrypoint PATH]';

/** Exit status when the candidate bundle would decide something differently. */
export const REPLAY_CHANGED = 3;

/** --since or --until: an RFC 3339 time or a span back from now (24h), in ms since the epoch. */
function instantOf(flag: 'since' | 'until', text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseInstant(text, now);
  if (ms === undefined)
    throw new UsageError(`--${flag} ${JSON.stringify(text)}: not an RFC 3339 time nor a span like 24h`);
  return ms;
}

/** Where the recorded decisions are, read as `mandate audit` reads it; a bad variable is a usage error. */
function auditConfigOf(env: PolicyCliIo['env']): AuditToolConfig {
  try {
    return loadAuditToolConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`configuration error: ${e.message}`);
    throw e;
  }
}

export async function replayCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      from: { type: 'string', default: 'postgres' },
      'stream-name': { type: 'string' },
      json: { type: 'boolean', default: false },
      'verification-key': { type: 'string' },
      entrypoint: { type: 'string', default: DEFAULT_ENTRYPOINT },
    },
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('replay takes one bundle file');
  const now = Date.now();
  const window = {
    since: instantOf('since', values.since, now),
    until: instantOf('until', values.until, now),
  };
  const config = auditConfigOf(io.env);

  const loaded = await loadBundle(await readFile(file), {
    entrypoint: values.entrypoint,
    verificationKey: await verificationKey(values['verification-key'], io.env),
    registry: registryOf(io),
  });
  const recorded = await readRecorded(
    values.from,
    config,
    window,
    values['stream-name'] ?? config.auditStream.name,
  );
  // Replayed decisions that fail are part of the report; the log would only repeat them.
  const decide = createDecide({
    entrypoint: values.entrypoint,
    current: () => loaded,
    now: Date.now,
    log: createMemoryLogger(),
  });
  const report = replayDecisions(recorded.decisions, decide, loaded.info);
  if (values.json)
    io.out(JSON.stringify({ source: recorded.source, unreadable: recorded.unreadable, ...report }));
  else {
    io.out(`${recorded.source}: ${recorded.decisions.length} recorded decisions in the window`);
    if (recorded.unreadable > 0)
      io.err(`${recorded.unreadable} decision events do not follow the event schema and were not replayed`);
    for (const line of formatReport(report)) io.out(line);
  }
  return report.changed > 0 ? REPLAY_CHANGED : 0;
}
