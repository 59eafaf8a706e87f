// POST /token on the service's own app over real HTTP: form bodies only (415 otherwise, checked
// before parsing), every DPoP header line passed to the core as sent, the core's headers on the
// answer (no-store), and the raw DPoP header list read as node received it.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopHeaders } from '../../../src/http/routes/token.js';
import {
  ACCESS_TOKEN,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
} from '../../helpers/exchange.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => svc?.close());

const auth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };

describe('dpopHeaders', () => {
  it('takes every DPoP line, case-insensitively, in order', () => {
    expect(dpopHeaders(['Host', 'x', 'DPoP', 'a', 'dpop', 'b', 'DPOP', ''])).toEqual(['a', 'b', '']);
    expect(dpopHeaders(['Host', 'x'])).toEqual([]);
    expect(dpopHeaders(['DPoP'])).toEqual([]);
  });
});

describe('POST /token', () => {
  it('issues a token for a form request, never cached', async () => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ token_type: 'Bearer', issued_token_type: ACCESS_TOKEN });
    expect(typeof res.body.access_token).toBe('string');
  });

  it('refuses a JSON or text body with 415 before reading it', async () => {
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await post(svc.tokenEndpoint, '{"grant_type":"x"}', { 'content-type': type, ...auth });
      expect({ status: res.status, body: res.body }, type).toEqual({
        status: 415,
        body: {
          error: 'invalid_request',
          error_description: 'unsupported content type: use application/x-www-form-urlencoded',
        },
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('accepts a form type with parameters and in any case', async () => {
    const res = await post(svc.tokenEndpoint, form({ grant_type: 'nope' }), {
      'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
      ...auth,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  it('reads a request without a body as empty parameters', async () => {
    const res = await fetch(svc.tokenEndpoint, { method: 'POST', headers: auth });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('passes two DPoP header lines on as two proofs, refused as such', async () => {
    const body = form({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
    });
    // fetch joins repeated headers with ", "; a raw request sends two lines.
    const answer = await new Promise<string>((resolve, reject) => {
      const url = new URL(svc.url);
      const sock = connect(Number(url.port), url.hostname, () =>
        sock.write(
          `POST /token HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
            `Authorization: ${auth.authorization}\r\nDPoP: a.b.c\r\nDPoP: d.e.f\r\nConnection: close\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        ),
      );
      let t = '';
      sock.on('data', (c: Buffer) => (t += c.toString()));
      sock.on('close', () => resolve(t));
      sock.on('error', reject);
    });
    const status = Number(answer.split(' ')[1]);
    const text = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    expect(status, text).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_dpop_proof' });
    expect(JSON.parse(text).error_description).toMatch(/one DPoP header/i);
  });
});
