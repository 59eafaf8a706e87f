/**
 * Graceful drain on shutdown (SIGTERM). Closing the listener at once would reset every connection
 * the kernel or Node had accepted but not yet read, and closing idle keep-alive connections races
 * with clients that are sending on them. Instead, once `begin()` is called:
 *
 * - requests already being handled finish normally, their responses carrying `Connection: close`;
 * - every request read from then on is answered 503 `temporarily_unavailable` with `Retry-After`
 *   and `Connection: close` (OAuth JSON, RFC 6749 §5.2), `/readyz` 503 `draining` (so a load
 *   balancer stops sending), `/healthz` still 200 (the process is alive);
 * - `settled()` resolves when nothing is in flight and no connection or request has arrived for
 *   `quietMs`, or after `timeoutMs`; only then does the caller close the listener, so connections
 *   are closed while idle and told to go, not reset mid-request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth/errors.js';
import { sendError } from './error-handler.js';

export interface DrainOptions {
  /** Seconds clients are asked to wait (Retry-After) while the instance drains. */
  retryAfterSeconds?: number;
}

export interface Drain {
  readonly draining: boolean;
  begin(): void;
  settled(opts: { quietMs: number; timeoutMs: number }): Promise<{ timedOut: boolean; inFlight: number }>;
}

const POLL_MS = 25;

declare module 'fastify' {
  interface FastifyInstance {
    /** Graceful drain (src/http/drain.ts), installed by createApp. */
    drain: Drain;
  }
}

export function installDrain(app: FastifyInstance, opts: DrainOptions = {}): Drain {
  const retryAfter = String(opts.retryAfterSeconds ?? 1);
  let draining = false;
  const inFlight = new Set<FastifyRequest>();
  let lastActivity = Date.now();
  const done = async (req: FastifyRequest): Promise<void> => {
    inFlight.delete(req);
    lastActivity = Date.now();
  };

  app.server.on('connection', () => {
    lastActivity = Date.now();
  });
  app.addHook('onRequest', async (req, reply) => {
    inFlight.add(req);
    lastActivity = Date.now();
    if (!draining || req.url === '/healthz') return;
    reply.header('Connection', 'close');
    if (req.url.split('?')[0] === '/readyz') return refuseReadiness(reply);
    return sendError(
      reply,
      new OAuthError('temporarily_unavailable', 'the server is shutting down; try again', {
        reason: 'draining',
        headers: { 'Retry-After': retryAfter },
      }),
    );
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (draining) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onResponse', done);
  // A request whose client went away before the response was sent may never reach onResponse.
  app.addHook('onRequestAbort', done);

  const drain: Drain = {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
      lastActivity = Date.now();
    },
    async settled({ quietMs, timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0 || Date.now() - lastActivity < quietMs) {
        if (Date.now() >= deadline) return { timedOut: true, inFlight: inFlight.size };
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return { timedOut: false, inFlight: 0 };
    },
  };
  app.decorate('drain', drain);
  return drain;
}

function refuseReadiness(reply: FastifyReply): FastifyReply {
  return reply
    .status(503)
    .header('Cache-Control', 'no-store')
    .header('Retry-After', '1')
    .send({ status: 'draining' });
}
