/**
 * The HTTP side of the rate limits (ADR 0010): an `onRequest` hook that counts the request
 * against a limit per client address (`req.ip`, which MANDATE_TRUST_PROXY decides), before the
 * body is read. A refusal is thrown as the core's OAuthError (429, Retry-After) and sent by the
 * app's one error serializer.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { RateLimitName, RateLimits } from '../oauth/rate-limit.js';

/** A hook counting each request of one client address against `name`; `when` narrows which. */
export function limitByAddress(
  limits: RateLimits,
  name: RateLimitName,
  when: (req: FastifyRequest) => boolean = () => true,
): onRequestAsyncHookHandler {
  return async (req) => {
    if (when(req)) await limits.take(name, req.ip);
  };
}
