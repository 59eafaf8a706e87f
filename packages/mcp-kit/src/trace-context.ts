/**
 * The W3C Trace Context `traceparent` value (Trace Context §3.2) the kit passes on to Mandate: the
 * MCP call's `_meta.traceparent` (MCP 2026-07-28) or the HTTP request's header. Only a well-formed
 * value is sent on, so nothing the client wrote reaches a header unchecked; a malformed one is
 * dropped, never a reason to refuse the call.
 */

// Four lower-case hex fields; version ff is invalid, and so are an all-zero trace-id or parent-id.
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `v` when it is a well-formed `traceparent`, else undefined. */
export function wellFormedTraceparent(v: unknown): string | undefined {
  return typeof v === 'string' && TRACEPARENT.test(v) ? v : undefined;
}
