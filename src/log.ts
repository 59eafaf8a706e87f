/**
 * The service's structured logger: JSON lines on stderr through pino, the logger fastify uses for
 * its per-request lines (src/ops/request-log.ts), so that every line has one shape
 * (`level` as a word, ISO `time`, `pid`, `msg`, fields). Core modules take a `Logger` so that tests
 * can capture what they say. Fields that hold secrets are redacted whatever logs them. A line
 * written inside a request's span carries its `trace_id` and `span_id`.
 */
import { context, trace } from '@opentelemetry/api';
import { pino, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** The pino instance behind it, for fastify (absent in test loggers). */
  readonly pino?: PinoLogger;
}

/**
 * Field names never written with their value, at the top level and one level down (`headers.x`,
 * `body.x`): credentials, tokens, codes and assertions (issue 14 §2).
 */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'actor_token',
  'assertion',
  'client_assertion',
  'token',
];
export const REDACT_PATHS = [
  ...SECRET_FIELDS.map((f) => `["${f}"]`),
  ...SECRET_FIELDS.map((f) => `*["${f}"]`),
];

/**
 * The ids of the span the running code is in, read from the OpenTelemetry API itself (the ground
 * floor imports nothing above it; src/ops/tracing.ts gives every request span ids, SDK or not).
 */
function traceFields(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getSpan(context.active());
  if (span === undefined || !trace.isSpanContextValid(span.spanContext())) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Logger {
  const p = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // A line written while a request is served names its trace (docs/operations.md#tracing);
      // fields the line sets itself win.
      mixin: traceFields,
    },
    { write: (line: string) => write(line.replace(/\n$/, '')) },
  );
  return {
    pino: p,
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
  };
}
/** A logger that keeps what it is told, for tests. */
export function createMemoryLogger(): Logger & {
  lines: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[] = [];
  const push = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}
