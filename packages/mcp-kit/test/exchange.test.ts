/**
 * Unit tests of the exchange client against a stand-in token endpoint (a counting fetch); the real
 * exchange with Mandate is exercised end to end in test/examples/.
 */
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createExchangeClient, type ExchangeClientOptions } from '../src/exchange.js';
import { ExchangeDeniedError, ExchangeUnavailableError } from '../src/exchange-errors.js';

const ISSUER = 'https://mandate.test.example';
const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const fakeJwt = (claims: Record<string, unknown>) =>
  `${enc({ alg: 'ES256', typ: 'at+jwt' })}.${enc(claims)}.sig`;

interface Seen {
  body: URLSearchParams;
  headers: Headers;
}

function tokenEndpoint(answer: (seen: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    expect(String(url)).toBe(`${ISSUER}/token`);
    const s = { body: new URLSearchParams(String(init?.body)), headers: new Headers(init?.headers) };
    seen.push(s);
    return answer(s, seen.length);
  }) as typeof fetch;
  return { fetch: f, seen };
}

const issued = (s: Seen, n: number, extra: Record<string, unknown> = {}) =>
  Response.json({
    access_token: fakeJwt({ jti: `j${n}`, sub: 'alice', act: { sub: 'mcp-salesforce' } }),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: s.headers.has('dpop') ? 'DPoP' : 'Bearer',
    expires_in: 300,
    ...extra,
  });

function client(f: typeof fetch, clock: { now: number }, opts: Partial<ExchangeClientOptions> = {}) {
  return createExchangeClient({
    issuer: ISSUER,
    clientId: 'mcp-salesforce',
    clientSecret: 's3cret/+',
    services: {
      salesforce: { resource: 'https://api.salesforce.example' },
      workday: { resource: 'https://api.workday.example', dpop: true },
    },
    now: () => clock.now,
    fetch: f,
    ...opts,
  });
}

describe('exchange client (RFC 8693 §2)', () => {
  it('sends an RFC 8693 request with client_secret_basic and returns the token with its claims', async () => {
    const ep = tokenEndpoint(issued);
    const t = await client(ep.fetch, { now: 1000 }).getDownstreamToken('user-token', 'salesforce', [
      'crm.read',
    ]);
    expect(Object.fromEntries(ep.seen[0]!.body)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'user-token',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'https://api.salesforce.example',
      scope: 'crm.read',
    });
    expect(ep.seen[0]!.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('mcp-salesforce:s3cret%2F%2B').toString('base64')}`,
    );
    expect(t).toMatchObject({
      tokenType: 'Bearer',
      jti: 'j1',
      sub: 'alice',
      scopes: ['crm.read'],
      expiresAt: 1300,
    });
    expect(t.extra).toEqual({});
  });

  it("returns a connector's opaque token with the members it passed through as extra", async () => {
    // What Mandate answers for a Salesforce connector (docs/connectors.md): Salesforce's own token.
    const ep = tokenEndpoint(() =>
      Response.json({
        access_token: '00D5e000000AbCdEAK!AQopaque',
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'api id web',
        refresh_token: 'never-passed-on',
        instance_url: 'https://acme.my.salesforce.example',
        id: 'https://login.salesforce.example/id/00D5e000000AbCdEAK/0055e000001AliceAAA',
      }),
    );
    const t = await client(ep.fetch, { now: 1000 }).getDownstreamToken('u', 'salesforce', ['crm.read']);
    expect(t).toMatchObject({
      accessToken: '00D5e000000AbCdEAK!AQopaque',
      jti: undefined,
      sub: undefined,
      scopes: ['api', 'id', 'web'],
      expiresAt: 1900,
    });
    expect(t.extra).toEqual({
      instance_url: 'https://acme.my.salesforce.example',
      id: 'https://login.salesforce.example/id/00D5e000000AbCdEAK/0055e000001AliceAAA',
    });
  });

  it('sends client_secret_post credentials in the body when configured', async () => {
    const ep = tokenEndpoint(issued);
    await client(ep.fetch, { now: 1000 }, { authMethod: 'client_secret_post' }).getDownstreamToken(
      'u',
      'salesforce',
      ['crm.read'],
    );
    expect(ep.seen[0]!.headers.has('authorization')).toBe(false);
    expect([ep.seen[0]!.body.get('client_id'), ep.seen[0]!.body.get('client_secret')]).toEqual([
      'mcp-salesforce',
      's3cret/+',
    ]);
  });

  it('caches per user token, service and scopes until shortly before expiry', async () => {
    const ep = tokenEndpoint(issued);
    const clock = { now: 1000 };
    const c = client(ep.fetch, clock, { refreshBeforeSeconds: 30 });
    const a = await c.getDownstreamToken('alice-token', 'salesforce', ['crm.read', 'crm.write']);
    expect((await c.getDownstreamToken('alice-token', 'salesforce', ['crm.write', 'crm.read'])).jti).toBe(
      a.jti,
    );
    expect((await c.getDownstreamToken('bob-token', 'salesforce', ['crm.read', 'crm.write'])).jti).not.toBe(
      a.jti,
    );
    expect((await c.getDownstreamToken('alice-token', 'salesforce', ['crm.read'])).jti).not.toBe(a.jti);
    expect(c.exchanges).toBe(3);
    clock.now = 1000 + 300 - 31;
    expect((await c.getDownstreamToken('alice-token', 'salesforce', ['crm.read', 'crm.write'])).jti).toBe(
      a.jti,
    );
    clock.now = 1000 + 300 - 30;
    expect((await c.getDownstreamToken('alice-token', 'salesforce', ['crm.read', 'crm.write'])).jti).not.toBe(
      a.jti,
    );
    expect(c.exchanges).toBe(4);
  });

  it('sends one exchange for many concurrent identical requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ep = tokenEndpoint(async (s, n) => {
      await gate;
      return issued(s, n);
    });
    const c = client(ep.fetch, { now: 1000 });
    const all = Promise.all(
      Array.from({ length: 20 }, () => c.getDownstreamToken('u', 'salesforce', ['crm.read'])),
    );
    release();
    const tokens = await all;
    expect(ep.seen).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.jti))).toEqual(new Set(['j1']));
  });

  it('does not cache failures: the next request exchanges again', async () => {
    const ep = tokenEndpoint((s, n) =>
      n === 1
        ? Response.json({ error: 'temporarily_unavailable', error_description: 'busy' }, { status: 503 })
        : issued(s, n),
    );
    const c = client(ep.fetch, { now: 1000 });
    await expect(c.getDownstreamToken('u', 'salesforce', ['crm.read'])).rejects.toBeInstanceOf(
      ExchangeUnavailableError,
    );
    await expect(c.getDownstreamToken('u', 'salesforce', ['crm.read'])).resolves.toMatchObject({ jti: 'j2' });
  });

  it.each([
    ['a rate limit (429)', 429, '30', 30],
    ['an outage (503)', 503, '2', 2],
    ['an HTTP-date', 503, new Date(1_000_000 * 1000 + 90_000).toUTCString(), 90],
  ])(
    'carries the Retry-After of %s into ExchangeUnavailableError',
    async (_what, status, header, seconds) => {
      const ep = tokenEndpoint(() =>
        Response.json(
          {
            error: 'temporarily_unavailable',
            error_description: 'too many requests; retry after 30 seconds',
          },
          { status, headers: { 'Retry-After': header } },
        ),
      );
      const err = (await client(ep.fetch, { now: 1_000_000 })
        .getDownstreamToken('u', 'salesforce', ['crm.read'])
        .catch((e: unknown) => e)) as ExchangeUnavailableError;
      expect(err).toBeInstanceOf(ExchangeUnavailableError);
      expect(err.retryAfterSeconds).toBe(seconds);
      expect(err.explain()).toBe(
        `The authorization service is unavailable right now; try again in ${seconds} seconds (too many requests; retry after 30 seconds)`,
      );
    },
  );

  it("turns a policy refusal into ExchangeDeniedError with the code and the policy's reason", async () => {
    const description = "scope hr.records.read: not allowed for the subject's groups";
    const ep = tokenEndpoint(() =>
      Response.json({ error: 'invalid_scope', error_description: description }, { status: 400 }),
    );
    const err = await client(ep.fetch, { now: 1000 })
      .getDownstreamToken('u', 'workday', ['hr.records.read'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeDeniedError);
    expect(err).toMatchObject({ error: 'invalid_scope', description, status: 400, service: 'workday' });
    expect((err as ExchangeDeniedError).explain()).toBe(
      `Access to workday (hr.records.read) was refused by policy: ${description}`,
    );
  });

  it('says unavailable when the endpoint cannot be reached', async () => {
    const f = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(
      client(f, { now: 1000 }).getDownstreamToken('u', 'salesforce', ['crm.read']),
    ).rejects.toMatchObject({
      name: 'ExchangeUnavailableError',
      error: 'temporarily_unavailable',
    });
  });

  it('sends a DPoP proof for DPoP services and retries once with the server nonce (RFC 9449 §8)', async () => {
    const ep = tokenEndpoint((s, n) =>
      n === 1
        ? Response.json(
            { error: 'use_dpop_nonce', error_description: 'nonce required' },
            { status: 400, headers: { 'DPoP-Nonce': 'n-1' } },
          )
        : issued(s, n),
    );
    const t = await client(ep.fetch, { now: 1000 }).getDownstreamToken('u', 'workday', ['hr.profile.read']);
    expect(ep.seen).toHaveLength(2);
    const [first, second] = ep.seen.map((s) => s.headers.get('dpop') ?? '');
    expect(decodeProtectedHeader(first!)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(decodeJwt(first!)).toMatchObject({ htm: 'POST', htu: `${ISSUER}/token` });
    expect(decodeJwt(first!).nonce).toBeUndefined();
    expect(decodeJwt(second!)).toMatchObject({ nonce: 'n-1' });
    expect(t.tokenType).toBe('DPoP');
  });
});
