/**
 * Tracing through the OpenTelemetry API (issue 14 §3): a span per request, child spans for the
 * decision, signing, the audit commit and the database. Without an SDK (docs/operations.md#tracing)
 * the API's tracer records nothing and hands out no ids, so the request span is given ids here: the
 * caller's trace id when its `traceparent` is valid, a fresh one otherwise. Decision events and
 * request log lines carry them either way.
 */
import {
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { TraceIds } from '../audit/port.js';
import { installContextManager } from './trace-context.js';
import { newSpanId, newTraceId, parseTraceParent } from './traceparent.js';

/** The instrumentation scope spans are reported under. */
export const TRACER_NAME = 'mandate';

/** The tracer of whatever provider is registered (the API's no-op one when none is). */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** What a request says about its caller's trace (the W3C headers, as received). */
export interface IncomingTrace {
  traceparent?: string | string[] | undefined;
  tracestate?: string | string[] | undefined;
}

/** A request's span and the context the request's work runs in. */
export interface ServerSpan {
  span: Span;
  context: Context;
}

function callerContext(incoming: IncomingTrace): { ctx: Context; parentSpanId?: string } {
  const parent = parseTraceParent(incoming.traceparent);
  if (parent === undefined) return { ctx: ROOT_CONTEXT };
  const state =
    typeof incoming.tracestate === 'string' && incoming.tracestate.length <= 512
      ? { traceState: createTraceState(incoming.tracestate) }
      : {};
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.flags,
    isRemote: true,
    ...state,
  });
  return { ctx, parentSpanId: parent.spanId };
}

/** Starts the span of one incoming request (kind server), a child of the caller's when valid. */
export function startServerSpan(name: string, attributes: Attributes, incoming: IncomingTrace): ServerSpan {
  installContextManager();
  const { ctx, parentSpanId } = callerContext(incoming);
  let span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, ctx);
  const own = span.spanContext();
  // The no-op tracer returns the parent's ids (or invalid ones): the request gets its own.
  if (!trace.isSpanContextValid(own) || own.spanId === parentSpanId) {
    const parent = trace.getSpanContext(ctx);
    span = trace.wrapSpanContext({
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      traceFlags: parent?.traceFlags ?? 0,
      ...(parent?.traceState === undefined ? {} : { traceState: parent.traceState }),
    });
  }
  return { span, context: trace.setSpan(ctx, span) };
}

/** The ids a span reports under: its trace id and its own span id. */
export function idsOf(span: Span): TraceIds {
  const c = span.spanContext();
  return { trace_id: c.traceId, span_id: c.spanId };
}

/** The trace the running code is in (the active span's ids), if any. */
export function activeTrace(): TraceIds | undefined {
  const span = trace.getSpan(context.active());
  return span !== undefined && trace.isSpanContextValid(span.spanContext()) ? idsOf(span) : undefined;
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `fn` in a child span of the active span (the span is active inside `fn`), ending it when
 * `fn` returns or its promise settles; a throw or rejection marks the span as failed. Outside a
 * trace (the relay's polling, start-up) `fn` just runs: background work starts no traces.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span?: Span) => T): T {
  if (trace.getSpan(context.active()) === undefined) return fn();
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, context.active());
  const ctx = trace.setSpan(context.active(), span);
  let result: T;
  try {
    result = context.with(ctx, () => fn(span));
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (v: unknown) => {
        span.end();
        return v;
      },
      (err: unknown) => {
        fail(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}
