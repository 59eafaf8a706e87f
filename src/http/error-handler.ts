/**
 * The single serializer: OAuthError → RFC 6749 §5.2 JSON with its status and headers; fastify's own
 * request errors (body too large, wrong content type, malformed body) and what node's HTTP parser
 * refuses (`clientErrorHandler`) → `invalid_request`; anything else → `server_error` with no internals.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { OAuthError, toOAuthError } from '../oauth/errors.js';

const fastifyClientErrors: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type: use application/x-www-form-urlencoded',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request body length does not match Content-Length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is malformed',
  FST_ERR_BAD_URL: 'the request URL is malformed',
};

export function toWireError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  const fe = err as Partial<FastifyError>;
  const known = fe.code === undefined ? undefined : fastifyClientErrors[fe.code];
  if (known !== undefined)
    return new OAuthError('invalid_request', known, {
      reason: 'malformed_request',
      status: fe.statusCode ?? 400,
    });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return new OAuthError('invalid_request', 'the request is malformed', {
      reason: 'malformed_request',
      status: fe.statusCode,
    });
  return toOAuthError(err);
}

export function sendError(reply: FastifyReply, err: OAuthError): FastifyReply {
  return reply
    .status(err.status)
    .headers({ 'Cache-Control': 'no-store', ...err.headers })
    .type('application/json')
    .send(err.toJSON());
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const wire = toWireError(err);
    if (wire.error === 'server_error')
      log.error('unhandled error', {
        url: req.url,
        err: String(err),
        stack: (err as Error | undefined)?.stack,
      });
    return sendError(reply, wire);
  };
}

/** What node's HTTP parser refuses before fastify sees a request (RFC 9110 §15.5; RFC 6585 §5). */
const parserErrors: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
};

/**
 * Node's `clientError`: a request its HTTP parser refused (a NUL or CR in a header, a malformed
 * request line, a broken chunked body, headers too large). No request object exists, so the answer
 * is written to the socket, as node and fastify do, but as the same OAuth JSON as every other
 * refusal instead of fastify's `{"error":"Bad Request","message":"Client Error"}`.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, description] = parserErrors[err.code ?? ''] ?? [400, 'the request is malformed HTTP'];
  const body = JSON.stringify(
    new OAuthError('invalid_request', description, { reason: 'malformed_request', status }).toJSON(),
  );
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}
