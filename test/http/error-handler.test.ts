// The one error serializer, on a bare fastify app over inject and on a real socket: OAuthError as
// RFC 6749 §5.2 JSON with its status and headers, fastify's request errors as invalid_request,
// anything else as server_error without internals (logged with the stack), and what node's HTTP
// parser refuses as the same JSON written to the socket.
import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorHandler, errorHandler, sendError, toWireError } from '../../src/http/error-handler.js';
import { createMemoryLogger } from '../../src/log.js';
import { OAuthError } from '../../src/oauth/errors.js';

const log = createMemoryLogger();
let app: FastifyInstance;

beforeAll(async () => {
  // As the service installs it: fastify's clientErrorHandler option.
  app = Fastify({ bodyLimit: 16, clientErrorHandler });
  app.setErrorHandler(errorHandler(log));
  app.get('/oauth', async () => {
    throw new OAuthError('invalid_client', 'client authentication failed', {
      reason: 'bad_secret',
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic realm="mandate"' },
    });
  });
  app.get('/boom', async () => {
    throw new Error('secret internals at /srv/app.ts:12');
  });
  app.get('/teapot', async () => {
    throw Object.assign(new Error('x'), { statusCode: 418 });
  });
  app.post('/json', async (req) => req.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => app?.close());

describe('errorHandler', () => {
  it('sends an OAuthError with its status, headers and no-store', async () => {
    const res = await app.inject('/oauth');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="mandate"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('hides an unexpected error as server_error and logs it with the stack', async () => {
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(500);
    expect(Object.keys(res.json() as object).sort()).toEqual(['error', 'error_description']);
    expect((res.json() as { error: string }).error).toBe('server_error');
    expect(res.body).not.toContain('secret internals');
    const line = log.lines.find((l) => l.msg === 'unhandled error');
    expect(line?.fields).toMatchObject({ url: '/boom', err: 'Error: secret internals at /srv/app.ts:12' });
    expect(String(line?.fields?.stack)).toContain('error-handler.test.ts');
  });

  it("answers fastify's request errors as invalid_request with their status", async () => {
    const big = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":"' + 'x'.repeat(64) + '"}',
    });
    expect({ status: big.statusCode, body: big.json() as unknown }).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'request body is too large' },
    });
    const bad = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect({ status: bad.statusCode, body: bad.json() as unknown }).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'request body is malformed' },
    });
    const type = await app.inject({
      method: 'POST',
      url: '/json',
      headers: { 'content-type': 'text/xml' },
      payload: '<a/>',
    });
    expect({ status: type.statusCode, body: type.json() as unknown }).toEqual({
      status: 415,
      body: {
        error: 'invalid_request',
        error_description: 'unsupported content type: use application/x-www-form-urlencoded',
      },
    });
  });

  it('answers any other 4xx error as a malformed request with its status', async () => {
    const res = await app.inject('/teapot');
    expect({ status: res.statusCode, body: res.json() as unknown }).toEqual({
      status: 418,
      body: { error: 'invalid_request', error_description: 'the request is malformed' },
    });
  });
});

describe('toWireError and sendError', () => {
  it('keeps an OAuthError as it is and maps fastify codes', () => {
    const e = new OAuthError('invalid_grant', 'no', { reason: 'unknown_code' });
    expect(toWireError(e)).toBe(e);
    expect(toWireError({ code: 'FST_ERR_BAD_URL', statusCode: 400 }).toJSON()).toEqual({
      error: 'invalid_request',
      error_description: 'the request URL is malformed',
    });
    expect(toWireError({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }).status).toBe(400);
    expect(toWireError({ statusCode: 503 }).error).toBe('server_error');
    expect(toWireError('a string').error).toBe('server_error');
  });

  it('never lets a header of the error drop no-store', async () => {
    const a = Fastify();
    a.get('/', async (_req, reply) =>
      sendError(
        reply,
        new OAuthError('temporarily_unavailable', 'later', {
          reason: 'draining',
          status: 503,
          headers: { 'Retry-After': '2' },
        }),
      ),
    );
    const res = await a.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['cache-control']).toBe('no-store');
    await a.close();
  });
});

/** Sends raw bytes and reads the whole answer until the server closes. */
async function raw(bytes: string): Promise<string> {
  const { port } = app.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.on('data', (c) => (out += c.toString()));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('clientErrorHandler', () => {
  it('answers a request node cannot parse with the OAuth JSON and closes', async () => {
    const res = await raw('GET / HTTP/1.1\r\nHost: x\r\nBad\u0000Header: 1\r\n\r\n');
    const [head, body] = res.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain('Content-Type: application/json');
    expect(head).toContain('Cache-Control: no-store');
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toEqual({
      error: 'invalid_request',
      error_description: 'the request is malformed HTTP',
    });
  });

  it('answers headers too large with 431', async () => {
    const res = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(JSON.parse(res.split('\r\n\r\n')[1]!)).toEqual({
      error: 'invalid_request',
      error_description: 'request headers are too large',
    });
  });
});
