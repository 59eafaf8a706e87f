/**
 * The redirect that sets cookies (src/http/redirect.ts), its header block read off the socket as a
 * browser gets it: the status, each Set-Cookie, Location and Cache-Control: no-store, in that
 * order, and nothing else of its own (the approval page, /authorize and /login/callback answer
 * with it); no Set-Cookie when there is none; 303 when the caller asks for it.
 */
import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectWithCookies } from '../../src/http/redirect.js';

const app = Fastify();
let port = 0;

beforeAll(async () => {
  app.get('/login', (_req, reply) =>
    redirectWithCookies(reply, 'https://idp.example/authorize?state=s1', [
      '__Host-login=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
      '__Host-return=def; Path=/; Secure; HttpOnly; SameSite=Lax',
    ]),
  );
  app.get('/back', (_req, reply) => redirectWithCookies(reply, 'https://app.example/cb?code=c1', []));
  app.post('/form', (_req, reply) =>
    redirectWithCookies(reply, 'https://app.example/cb?code=c2', ['s=1'], 303),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  port = typeof addr === 'object' && addr !== null ? addr.port : 0;
});
afterAll(() => app.close());

/** The response's header lines as sent, but for Date (it changes every second). */
function headerLines(method: string, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('end', () => {
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      resolve(head.split('\r\n').filter((line) => !/^date:/i.test(line)));
    });
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });
}

describe('redirectWithCookies', () => {
  it('sends 302 with every cookie, the location and no-store, and nothing else', async () => {
    expect(await headerLines('GET', '/login')).toEqual([
      'HTTP/1.1 302 Found',
      'set-cookie: __Host-login=abc; Path=/; Secure; HttpOnly; SameSite=Lax',
      'set-cookie: __Host-return=def; Path=/; Secure; HttpOnly; SameSite=Lax',
      'location: https://idp.example/authorize?state=s1',
      'cache-control: no-store',
      'content-length: 0',
      'Connection: close',
    ]);
  });

  it('sends no Set-Cookie when there are no cookies, and still no-store', async () => {
    expect(await headerLines('GET', '/back')).toEqual([
      'HTTP/1.1 302 Found',
      'location: https://app.example/cb?code=c1',
      'cache-control: no-store',
      'content-length: 0',
      'Connection: close',
    ]);
  });

  it('sends 303 after a form POST when asked (RFC 9700 §4.11)', async () => {
    expect(await headerLines('POST', '/form')).toEqual([
      'HTTP/1.1 303 See Other',
      'set-cookie: s=1',
      'location: https://app.example/cb?code=c2',
      'cache-control: no-store',
      'content-length: 0',
      'Connection: close',
    ]);
  });
});
