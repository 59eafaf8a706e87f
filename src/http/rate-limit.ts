/**
 * The HTTP side of the rate limits (ADR 0010): an `onRequest` hook that counts the request
 * against a limit per client address (`req.ip`, which MANDATE_TRUST_PROXY decides), before the
 * body is read. A refusal is thrown as the core's OAuthError (429, Retry-After) and sent by the
 * app's one error serializer.
 */
import { isIPv6 } from 'node:net';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { RateLimitName, RateLimits } from '../oauth/rate-limit.js';

/** The eight 16-bit groups of an IPv6 address, `::` expanded (an embedded IPv4 tail as two). */
function ipv6Groups(address: string): string[] {
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16).toString(16));
}

/**
 * What a per-address limit counts: an IPv4 address as it is (also when it arrives IPv4-mapped,
 * `::ffff:192.0.2.1`), an IPv6 address by its /64, the least a site is given, so that a client
 * cannot get a fresh budget from each of the 2^64 addresses of its own network.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** A hook counting each request of one client address against `name`; `when` narrows which. */
export function limitByAddress(
  limits: RateLimits,
  name: RateLimitName,
  when: (req: FastifyRequest) => boolean = () => true,
): onRequestAsyncHookHandler {
  return async (req) => {
    if (when(req)) await limits.take(name, addressKey(req.ip));
  };
}
