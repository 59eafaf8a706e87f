/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`, read by hand so that a
 * request's trace id is known whether or not an OpenTelemetry SDK is installed (the API alone
 * propagates nothing). A header that breaks the rules is ignored, as §4.3 asks: the request goes
 * on with a trace of its own and is never refused for it.
 */
import { randomFillSync } from 'node:crypto';

/** A span context as the header carries it (ids lowercase hex). */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The trace-flags byte (bit 0: sampled). */
  flags: number;
}

/** version-traceid-parentid-flags; version 00 is exactly this long, later versions may add fields. */
const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * The parent a `traceparent` header names, or undefined when it is absent or invalid: version
 * `ff`, an all-zero trace or parent id, upper-case hex, a version-00 header with anything after the
 * flags, or several headers (node joins repeated headers with a comma, which no valid value has).
 */
export function parseTraceParent(header: string | string[] | undefined): TraceParent | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const m = HEADER.exec(header.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

/** The header for a span context (version 00). */
export function formatTraceParent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${(p.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Ids come from a pool of CSPRNG bytes refilled 4 KiB at a time: a synchronous `randomBytes` call
 * per id cost ~2 % of an exchange's CPU (bench/README.md, 2026-12-03 profile), as several ids are
 * made per request. Each byte is handed out once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let taken = POOL_BYTES;

function randomHex(bytes: number, zero: string): string {
  for (;;) {
    if (taken + bytes > POOL_BYTES) {
      randomFillSync(pool);
      taken = 0;
    }
    const id = pool.toString('hex', taken, taken + bytes);
    taken += bytes;
    if (id !== zero) return id;
  }
}

/** A fresh random trace id (16 bytes, never all zero). */
export const newTraceId = (): string => randomHex(16, ZERO_TRACE);
/** A fresh random span id (8 bytes, never all zero). */
export const newSpanId = (): string => randomHex(8, ZERO_SPAN);
