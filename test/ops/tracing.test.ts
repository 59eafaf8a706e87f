/**
 * Request spans and child spans, first with no SDK registered (the API's no-op tracer: ids are
 * made up here), then recorded by a real OpenTelemetry SDK with an in-memory exporter.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeTrace, idsOf, inSpan, startServerSpan } from '../../src/ops/tracing.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

describe('without an SDK', () => {
  it("a request with a valid traceparent joins the caller's trace with a span id of its own", () => {
    const { span, context: ctx } = startServerSpan(
      'POST /token',
      {},
      {
        traceparent: `00-${TRACE_ID}-${PARENT}-01`,
        tracestate: 'vendor=v1',
      },
    );
    const ids = idsOf(span);
    expect(ids.trace_id).toBe(TRACE_ID);
    expect(ids.span_id).toMatch(HEX(16));
    expect(ids.span_id).not.toBe(PARENT);
    expect(span.spanContext().traceFlags).toBe(1);
    expect(span.spanContext().traceState?.get('vendor')).toBe('v1');
    expect(context.with(ctx, () => activeTrace())).toEqual(ids);
  });

  it('a request without one, or with an invalid one, starts a fresh trace', () => {
    for (const traceparent of [undefined, 'garbage', `00-${'0'.repeat(32)}-${PARENT}-01`]) {
      const ids = idsOf(startServerSpan('GET /x', {}, { traceparent }).span);
      expect(ids.trace_id).toMatch(HEX(32));
      expect(ids.trace_id).not.toBe('0'.repeat(32));
      expect(ids.span_id).toMatch(HEX(16));
    }
    const a = idsOf(startServerSpan('GET /x', {}, {}).span);
    const b = idsOf(startServerSpan('GET /x', {}, {}).span);
    expect(a.trace_id).not.toBe(b.trace_id);
  });

  it('outside a request there is no active trace and inSpan just runs its function', () => {
    expect(activeTrace()).toBeUndefined();
    expect(inSpan('work', {}, (span) => [span, 42])).toEqual([undefined, 42]);
  });
});

describe('with an SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
  });

  it("records the server span as the caller's child and inSpan's spans as its children", async () => {
    exporter.reset();
    const server = startServerSpan(
      'POST /token',
      { 'http.request.method': 'POST' },
      {
        traceparent: `00-${TRACE_ID}-${PARENT}-01`,
      },
    );
    const value = await context.with(server.context, () =>
      inSpan('decision', { action: 'token_exchange' }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return inSpan('inner', {}, () => activeTrace());
      }),
    );
    server.span.end();
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['POST /token', 'decision', 'inner']);
    expect(byName.get('POST /token')!.parentSpanContext?.spanId).toBe(PARENT);
    expect(byName.get('decision')!.parentSpanContext?.spanId).toBe(server.span.spanContext().spanId);
    expect(byName.get('inner')!.parentSpanContext?.spanId).toBe(byName.get('decision')!.spanContext().spanId);
    expect(value).toEqual({ trace_id: TRACE_ID, span_id: byName.get('inner')!.spanContext().spanId });
    expect(byName.get('decision')!.attributes).toEqual({ action: 'token_exchange' });
  });

  it('a throw or a rejection marks the span failed and still ends it', async () => {
    exporter.reset();
    const server = startServerSpan('req', {}, {});
    await context.with(server.context, async () => {
      expect(() =>
        inSpan('sync', {}, () => {
          throw new Error('sync boom');
        }),
      ).toThrow('sync boom');
      await expect(inSpan('async', {}, () => Promise.reject(new Error('async boom')))).rejects.toThrow(
        'async boom',
      );
    });
    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    expect(spans.get('sync')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'sync boom' });
    expect(spans.get('async')!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'async boom' });
    expect(spans.get('async')!.events.map((e) => e.name)).toEqual(['exception']);
  });
});
