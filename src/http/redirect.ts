/**
 * The browser redirect that sets cookies (a login's state, a session): `Set-Cookie`, `Location` and
 * `Cache-Control: no-store`, so that no cache keeps an answer that carries cookies or, back from a
 * login, the way to a code (RFC 9111 §5.2.2.5). The authorization endpoint, the IdP's redirect back
 * and the approval page answer with it.
 */
import type { FastifyReply } from 'fastify';

/** 302 to `location` (303 after a form POST, RFC 9700 §4.11), setting each of `cookies`. */
export function redirectWithCookies(
  reply: FastifyReply,
  location: string,
  cookies: readonly string[],
  status: 302 | 303 = 302,
): FastifyReply {
  if (cookies.length > 0) reply.header('Set-Cookie', cookies);
  return reply.status(status).header('Location', location).header('Cache-Control', 'no-store').send();
}
