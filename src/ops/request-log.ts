/**
 * One JSON line per request through fastify's logger (pino), written when the response is sent:
 * request id, method, route (the route's pattern, never the URL: query strings carry codes and
 * state), status, duration, and the client id and grant type the request names. Nothing else of
 * the request goes in, so no header, body or query value can leak; the logger's redaction
 * (src/log.ts) is a second guard for fields someone adds later.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestTrace } from './http-tracing.js';

/** A request id a caller may send (X-Request-Id) is kept when it is short and plain. */
const CALLER_ID = /^[\w.:-]{1,128}$/;

export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID();
}

/** The client a request names: client_id in the form or query, else the Basic user name. */
function clientId(req: FastifyRequest, form: URLSearchParams | undefined): string | undefined {
  const named = form?.get('client_id') ?? (req.query as Record<string, unknown> | undefined)?.client_id;
  if (typeof named === 'string' && named !== '') return named.slice(0, 256);
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Basic\s+/i.test(auth)) {
    const decoded = Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) {
      try {
        return decodeURIComponent(user.replace(/\+/g, ' ')).slice(0, 256);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The fields of the line; the request id comes with the request's logger (`req_id`). */
export interface RequestLogLine {
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  client_id?: string;
  grant_type?: string;
  /** The request's W3C trace (http-tracing.ts): the decision event it caused has the same. */
  trace_id?: string;
  span_id?: string;
}

function formOf(req: FastifyRequest): URLSearchParams | undefined {
  return typeof req.body === 'string' &&
    /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
    ? new URLSearchParams(req.body)
    : undefined;
}

/** The route's pattern; unmatched requests (404) have only their path without the query. */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? req.url.split('?')[0]!.slice(0, 256);
}

export function grantTypeOf(req: FastifyRequest): string | undefined {
  return formOf(req)?.get('grant_type')?.slice(0, 128) || undefined;
}

export function requestLogLine(req: FastifyRequest, status: number, durationMs: number): RequestLogLine {
  const form = formOf(req);
  const client = clientId(req, form);
  const grant = grantTypeOf(req);
  const trace = requestTrace(req);
  return {
    method: req.method,
    route: routeOf(req),
    status,
    duration_ms: Math.round(durationMs * 10) / 10,
    ...(client === undefined ? {} : { client_id: client }),
    ...(grant === undefined ? {} : { grant_type: grant }),
    ...trace,
  };
}

/** Registers the per-request line (fastify's own request logging is off: it logs URLs). */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(requestLogLine(req, reply.statusCode, reply.elapsedTime), 'request');
  });
}
