/**
 * Reading a downstream token endpoint's answer (src/oauth/connectors/request-token.ts) over real
 * HTTP: a token response, an OAuth error (a refusal), and every way of not answering (an outage).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownstreamRefusal, DownstreamUnavailable } from '../../../src/oauth/connectors/downstream.js';
import { requestToken, retryAfterSeconds } from '../../../src/oauth/connectors/request-token.js';

type Reply = { status: number; headers?: Record<string, string>; body?: string; hang?: boolean };
let reply: Reply = { status: 200 };
let seen: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.headers['content-type']} ${body}`);
      if (reply.hang === true) return;
      res
        .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        .end(reply.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/token`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

const call = (over: Partial<Parameters<typeof requestToken>[0]> = {}) =>
  requestToken({
    url,
    params: { grant_type: 'g', assertion: 'a' },
    timeoutMs: 300,
    defaultLifetime: 900,
    passThrough: ['instance_url'],
    ...over,
  });

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('requestToken', () => {
  it('POSTs the form and reads a token response, passing through only the listed members', async () => {
    seen = [];
    reply = {
      status: 200,
      body: JSON.stringify({
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 120,
        scope: 'api',
        instance_url: 'https://x',
        refresh_token: 'rt',
        other: 1,
      }),
    };
    expect(await call()).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresIn: 120,
      scope: 'api',
      passThrough: { instance_url: 'https://x' },
    });
    expect(seen).toEqual(['application/x-www-form-urlencoded grant_type=g&assertion=a']);
  });

  it('uses the default lifetime when the answer has no expires_in (Salesforce)', async () => {
    reply = { status: 200, body: JSON.stringify({ access_token: 'at', token_type: 'Bearer' }) };
    expect((await call()).expiresIn).toBe(900);
  });

  it('reads a 4xx OAuth error as a refusal with its error and description', async () => {
    reply = {
      status: 401,
      body: JSON.stringify({ error: 'invalid_client', error_description: 'no such client' }),
    };
    const e = await failure(call());
    expect(e).toBeInstanceOf(DownstreamRefusal);
    expect(e).toMatchObject({ error: 'invalid_client', errorDescription: 'no such client', status: 401 });
  });

  it.each<[string, Reply, string, number | undefined]>([
    [
      'a 503 with Retry-After',
      { status: 503, headers: { 'retry-after': '30' }, body: 'busy' },
      'downstream_unavailable',
      30,
    ],
    [
      'a 429 OAuth-looking error',
      { status: 429, body: JSON.stringify({ error: 'slow_down' }) },
      'downstream_unavailable',
      undefined,
    ],
    [
      'a redirect (not followed)',
      { status: 302, headers: { location: 'https://elsewhere' } },
      'downstream_invalid_response',
      undefined,
    ],
    [
      'an HTML 200',
      { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
      'downstream_invalid_response',
      undefined,
    ],
    [
      'a 200 without access_token',
      { status: 200, body: JSON.stringify({ token_type: 'Bearer' }) },
      'downstream_invalid_response',
      undefined,
    ],
    [
      'a non-integer expires_in',
      { status: 200, body: JSON.stringify({ access_token: 'a', token_type: 'Bearer', expires_in: '3600' }) },
      'downstream_invalid_response',
      undefined,
    ],
    [
      'a DPoP-bound token',
      { status: 200, body: JSON.stringify({ access_token: 'a', token_type: 'DPoP' }) },
      'downstream_invalid_response',
      undefined,
    ],
    ['a 400 without error', { status: 400, body: '{}' }, 'downstream_invalid_response', undefined],
  ])('reads %s as an outage', async (_name, r, reason, retryAfter) => {
    reply = r;
    const e = await failure(call());
    expect(e).toBeInstanceOf(DownstreamUnavailable);
    expect(e).toMatchObject({ reason, retryAfter });
  });

  it('gives up after timeoutMs on a server that never answers', async () => {
    reply = { status: 200, hang: true };
    const started = Date.now();
    const e = await failure(call({ timeoutMs: 200 }));
    expect(e).toMatchObject({ reason: 'downstream_unavailable', detail: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reads a refused connection as an outage', async () => {
    const e = await failure(call({ url: 'http://127.0.0.1:1/token' }));
    expect(e).toBeInstanceOf(DownstreamUnavailable);
    expect(e).toMatchObject({ reason: 'downstream_unavailable' });
  });
});

describe('retryAfterSeconds', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterSeconds('12')).toBe(12);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(
      60,
    );
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });
});
