/**
 * Hostile values at the boundary (issue 10 §2), one row each with the exact wire answer: U+0000
 * (which no Postgres text holds), lone surrogates, non-string JSON, far too many values, characters
 * RFC 6749 §5.2 does not allow in a description. Each must be the protocol's own 4xx error, never a
 * 5xx, never a stack trace in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, MCP, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { header, send, type RawRequest } from './fuzz-wire.js';

const BASIC_CHALLENGE = 'Basic realm="mandate", charset="UTF-8"';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An `alg: none` JWT: its claims are read (to find the client or issuer) before any signature. */
const unsigned = (claims: Record<string, unknown>): string => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none' })}.${b64(claims)}.`;
};
/** Client assertions whose `sub` and `iss` name a client no registry row can be (issue 10 §2). */
const unsignedAssertions: [string, Record<string, unknown>][] = [
  ['sub holds a NUL', { sub: 'mcp\u0000x', iss: 'mcp\u0000x' }],
  ['sub is a lone surrogate', { sub: '\ud800', iss: '\ud800' }],
  ['sub is a number', { sub: 42, iss: 42 }],
  ['sub is an object', { sub: { id: 'x' }, iss: ['x'] }],
  ['sub is 5000 characters', { sub: 's'.repeat(5000), iss: 's'.repeat(5000) }],
];

interface Wire {
  status: number;
  body: unknown;
  wwwAuthenticate?: string | null;
}

describe('hostile values at the HTTP boundary', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      resources: [{ resource: MCP.salesforce, name: 'Salesforce MCP', scopes_supported: ['crm.read'] }],
    });
  });
  afterAll(async () => {
    // Nothing any row sent was logged as an unhandled error (with a stack trace).
    expect(svc.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
    await svc?.close();
  });

  async function form(path: string, body: string, headers: Record<string, string> = {}): Promise<Wire> {
    const res = await fetch(`${svc.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text === '' ? '' : (JSON.parse(text) as unknown),
      wwwAuthenticate: res.headers.get('www-authenticate'),
    };
  }

  async function json(path: string, body: string): Promise<Wire> {
    const res = await fetch(`${svc.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: await res.json() };
  }

  const invalid = (error: string, description: string, status = 400): Wire => ({
    status,
    body: { error, error_description: description },
    wwwAuthenticate: null,
  });
  const unknownBasicClient: Wire = {
    status: 401,
    body: { error: 'invalid_client', error_description: 'client authentication failed' },
    wwwAuthenticate: BASIC_CHALLENGE,
  };
  const basicRaw = (creds: string) => `Basic ${Buffer.from(creds, 'utf8').toString('base64')}`;

  it.each<[string, () => Promise<Wire>, Wire]>([
    [
      'a NUL in a token request parameter',
      () => form('/token', `grant_type=${encodeURIComponent(TOKEN_EXCHANGE)}&scope=crm.read%00`),
      invalid('invalid_request', "parameter 'scope' contains a NUL character"),
    ],
    [
      'a NUL in client_id (client_secret_post)',
      () => form('/token', 'grant_type=refresh_token&client_id=mcp-workday%00&client_secret=x'),
      invalid('invalid_request', "parameter 'client_id' contains a NUL character"),
    ],
    [
      'a NUL in the Basic client id',
      () => form('/token', 'grant_type=refresh_token', { authorization: basicRaw('mcp\u0000x:secret') }),
      unknownBasicClient,
    ],
    [
      'a form-encoded NUL in the Basic client id (RFC 6749 §2.3.1)',
      () => form('/token', 'grant_type=refresh_token', { authorization: basicRaw('mcp%00x:secret') }),
      unknownBasicClient,
    ],
    [
      'an Authorization header of just "Basic" (an attempt at HTTP authentication, RFC 6749 §5.2)',
      () => form('/token', 'grant_type=refresh_token&client_id=mcp-workday', { authorization: 'Basic' }),
      {
        status: 401,
        body: { error: 'invalid_client', error_description: 'malformed Basic authorization header' },
        wwwAuthenticate: BASIC_CHALLENGE,
      },
    ],
    [
      'a client id of 5000 characters',
      () => form('/token', 'grant_type=refresh_token', { authorization: basic('c'.repeat(5000), 's') }),
      unknownBasicClient,
    ],
    [
      'more than 64 parameters',
      () => form('/token', Array.from({ length: 65 }, (_, i) => `p${i}=v`).join('&')),
      invalid('invalid_request', 'more than 64 parameters'),
    ],
    [
      'more than 100 scopes',
      () =>
        form(
          '/token',
          `grant_type=${encodeURIComponent(TOKEN_EXCHANGE)}&subject_token=a.b.c&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=https%3A%2F%2Fapi.salesforce.example&scope=${Array.from({ length: 101 }, (_, i) => `s${i}`).join('+')}`,
          { authorization: basic('mcp-salesforce', SECRETS.salesforce) },
        ),
      invalid('invalid_scope', 'more than 100 scopes'),
    ],
    [
      'a grant_type that echoes quotes and CR LF (RFC 6749 §5.2 charset)',
      () => form('/token', `grant_type=${encodeURIComponent('a"b\r\nc\\d\u00e9')}`),
      invalid('unsupported_grant_type', "grant_type 'a?b??c?d?' is not supported"),
    ],
    ...unsignedAssertions.map(([name, claims]): [string, () => Promise<Wire>, Wire] => [
      `an unsigned client assertion whose ${name} (looked up before any signature check)`,
      () =>
        form(
          '/token',
          `grant_type=refresh_token&refresh_token=x&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${unsigned(claims)}`,
        ),
      invalid('invalid_client', 'client authentication failed', 401),
    ]),
    [
      'an unsigned subject token whose iss holds a NUL (looked up before any signature check)',
      () =>
        form(
          '/token',
          `grant_type=${encodeURIComponent(TOKEN_EXCHANGE)}&subject_token=${unsigned({ iss: 'https://idp\u0000.example', sub: 'a' })}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&resource=https%3A%2F%2Fapi.salesforce.example`,
          { authorization: basic('mcp-salesforce', SECRETS.salesforce) },
        ),
      invalid('invalid_grant', 'subject_token is from an issuer that is not trusted'),
    ],
    [
      'a NUL in revocation',
      () => form('/revoke', 'token=x&client_id=%00'),
      invalid('invalid_request', "parameter 'client_id' contains a NUL character"),
    ],
    [
      'a NUL in the introspecting client id',
      () => form('/introspect', 'token=x', { authorization: basicRaw('rs\u0000:secret') }),
      unknownBasicClient,
    ],
    [
      'a NUL in client_name (RFC 7591)',
      () =>
        json(
          '/register',
          JSON.stringify({ client_name: 'a\u0000b', redirect_uris: ['https://app.example/cb'] }),
        ),
      {
        status: 400,
        body: {
          error: 'invalid_client_metadata',
          error_description: 'client_name: must not contain U+0000 or unpaired surrogates',
        },
      },
    ],
    [
      'a lone surrogate in a redirect URI (RFC 7591)',
      () => json('/register', '{"redirect_uris":["https://app.example/\\ud800"]}'),
      {
        status: 400,
        body: {
          error: 'invalid_client_metadata',
          error_description: 'redirect_uris.0: must not contain U+0000 or unpaired surrogates',
        },
      },
    ],
    [
      'a NUL in a JWK member (RFC 7591)',
      () =>
        json(
          '/register',
          JSON.stringify({
            redirect_uris: ['https://app.example/cb'],
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a\u0000', y: 'b' }] },
          }),
        ),
      {
        status: 400,
        body: {
          error: 'invalid_client_metadata',
          error_description: 'jwks.keys.0.x: holds a value a key cannot hold',
        },
      },
    ],
  ])('%s', async (_name, send, expected) => {
    const got = await send();
    expect(expected.wwwAuthenticate === undefined ? { ...got, wwwAuthenticate: undefined } : got).toEqual(
      expected,
    );
  });

  // What node's HTTP parser refuses never reaches a route; it is answered with the same OAuth JSON.
  it.each<[string, RawRequest, number, string]>([
    [
      'a NUL byte in a header value',
      { method: 'POST', target: '/token', headers: [['Authorization', Buffer.from('Basic a\u0000b')]] },
      400,
      'the request is malformed HTTP',
    ],
    [
      'headers far beyond 16 KiB',
      { method: 'GET', target: '/jwks', headers: [['X-Big', 'x'.repeat(20_000)]] },
      431,
      'request headers are too large',
    ],
    [
      'a broken chunked body',
      {
        method: 'POST',
        target: '/token',
        headers: [['Transfer-Encoding', 'chunked']],
        body: Buffer.from('zz\r\n'),
      },
      400,
      'the request is malformed HTTP',
    ],
  ])('answers %s before routing with OAuth JSON', async (_name, req, status, description) => {
    const res = await send(Number(new URL(svc.issuer).port), req);
    expect({
      status: res.status,
      type: header(res, 'content-type'),
      body: JSON.parse(res.text) as unknown,
    }).toEqual({
      status,
      type: 'application/json',
      body: { error: 'invalid_request', error_description: description },
    });
  });

  it('answers a NUL at the authorization endpoint with a page, never a redirect', async () => {
    const res = await fetch(`${svc.issuer}/authorize?client_id=a%00b&response_type=code`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('parameter &#39;client_id&#39; contains a NUL character');
  });
});
