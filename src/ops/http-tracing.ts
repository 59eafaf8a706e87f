/**
 * The request span (issue 14 §3): started when a request arrives, as a child of its W3C
 * `traceparent` when that is valid (an invalid one is ignored, never refused), ended when the
 * response is sent. The route's handler runs inside it, so the decision, signing, audit and
 * database spans (trace-ports.ts) are its children, and the request log line and the decision
 * event carry its trace id.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, SpanStatusCode } from '@opentelemetry/api';
import type { TraceIds } from '../audit/port.js';
import { idsOf, startServerSpan, type ServerSpan } from './tracing.js';

const spans = new WeakMap<FastifyRequest, ServerSpan & { ended?: boolean }>();

/** The trace a request runs in (undefined before its span starts, e.g. a refused URL). */
export function requestTrace(req: FastifyRequest): TraceIds | undefined {
  const s = spans.get(req);
  return s === undefined ? undefined : idsOf(s.span);
}

function end(req: FastifyRequest, status?: number): void {
  const s = spans.get(req);
  if (s === undefined || s.ended === true) return;
  s.ended = true;
  if (status === undefined) s.span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
  else {
    s.span.setAttribute('http.response.status_code', status);
    // Server spans: 4xx is the caller's error, not the server's (OpenTelemetry HTTP conventions).
    if (status >= 500) s.span.setStatus({ code: SpanStatusCode.ERROR });
  }
  s.span.end();
}

export function installTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    const s = startServerSpan(
      route === undefined ? req.method : `${req.method} ${route}`,
      {
        'http.request.method': req.method,
        'url.path': req.url.split('?')[0]!.slice(0, 256),
        ...(route === undefined ? {} : { 'http.route': route }),
      },
      { traceparent: req.headers.traceparent, tracestate: req.headers.tracestate },
    );
    spans.set(req, s);
    context.with(s.context, done);
  });
  // Body parsing runs on the socket's callbacks: the handler is entered in the span again.
  app.addHook('preHandler', (req, _reply, done) => {
    const s = spans.get(req);
    if (s === undefined) done();
    else context.with(s.context, done);
  });
  app.addHook('onResponse', async (req, reply) => end(req, reply.statusCode));
  app.addHook('onRequestAbort', async (req) => end(req));
}
