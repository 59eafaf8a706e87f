/**
 * RFC 7662 introspection over real HTTP, and the revocation check on subject tokens (RFC 8693 with
 * RFC 7009): tokens come from real exchanges, so their issuance records are real too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../../src/store/tokens.js';
import { API, basic, form, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { ACCESS_TOKEN, post, salesforceExchange } from '../../helpers/exchange.js';

const RS_SECRET = 'resource-server-secret-0123456789abcdef';

describe('RFC 7662 introspection', () => {
  let svc: TestService;
  let clock = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    svc = await startTestService({
      now: () => clock,
      clients: [
        {
          client_id: 'rs-salesforce-api',
          token_endpoint_auth_method: 'client_secret_post',
          client_secret: RS_SECRET,
          audiences: [API.salesforce],
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  async function aliceToken(): Promise<string> {
    return svc.idp.mint(
      {
        iss: svc.idp.issuer,
        sub: 'alice',
        aud: MCP.salesforce,
        groups: ['sales'],
        scope: 'crm.read crm.write',
        iat: clock,
        exp: clock + 600,
        client_id: 'claude-desktop',
      },
      { typ: 'at+jwt' },
    );
  }

  async function exchanged(): Promise<string> {
    const res = await salesforceExchange(svc, { subject_token: await aliceToken(), scope: 'crm.read' });
    expect(res.status, res.text).toBe(200);
    return String(res.body.access_token);
  }

  const asResourceServer = (token: string, extra: Record<string, string> = {}) =>
    post(
      `${svc.issuer}/introspect`,
      form({ token, client_id: 'rs-salesforce-api', client_secret: RS_SECRET, ...extra }),
    );

  it('shows an active exchanged token to its audience, with act', async () => {
    const token = await exchanged();
    const res = await asResourceServer(token, { token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(res.body).toEqual({
      active: true,
      scope: 'crm.read',
      client_id: 'mcp-salesforce',
      sub: 'alice',
      aud: API.salesforce,
      iss: svc.issuer,
      exp: claims.exp,
      iat: clock,
      jti: claims.jti,
      token_type: 'Bearer',
      act: {
        sub: 'mcp-salesforce',
        client_id: 'mcp-salesforce',
        act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
      },
    });
  });

  it('shows the token to the client it was issued to (Basic authentication)', async () => {
    const token = await exchanged();
    const res = await post(`${svc.issuer}/introspect`, form({ token }), {
      authorization: basic('mcp-salesforce', SECRETS.salesforce),
    });
    expect(res.body).toMatchObject({ active: true, sub: 'alice', client_id: 'mcp-salesforce' });
  });

  it('answers active:false, and nothing else, to a client the token does not concern', async () => {
    const token = await exchanged();
    const res = await post(
      `${svc.issuer}/introspect`,
      form({ token, client_id: 'mcp-workday', client_secret: SECRETS.workday }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('answers active:false for a revoked token', async () => {
    const token = await exchanged();
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;
    expect(await revokeToken(svc.db.db, jti, clock)).toBe(true);
    expect((await asResourceServer(token)).body).toEqual({ active: false });
  });

  it('answers active:false for an expired token', async () => {
    const token = await exchanged();
    const saved = clock;
    clock += 3600;
    try {
      expect((await asResourceServer(token)).body).toEqual({ active: false });
    } finally {
      clock = saved;
    }
  });

  it.each([
    ['a token of another issuer', async () => aliceToken()],
    [
      'a token signed by an unknown key',
      async () =>
        svc.idp.mint(
          { iss: svc.issuer, sub: 'alice', aud: API.salesforce, exp: clock + 60, jti: 'x' },
          { typ: 'at+jwt' },
        ),
    ],
    ['an opaque string', async () => 'not-a-token'],
    ['a tampered token', async () => `${(await exchanged()).slice(0, -4)}AAAA`],
  ])('answers active:false for %s', async (_name, make) => {
    const res = await asResourceServer(await make());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('refuses an unauthenticated caller with invalid_client (401)', async () => {
    const res = await post(`${svc.issuer}/introspect`, form({ token: await exchanged() }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication is required',
    });
  });

  it('refuses a public client with invalid_client (401)', async () => {
    const res = await post(
      `${svc.issuer}/introspect`,
      form({ token: await exchanged(), client_id: 'mcp-salesforce' }),
    );
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      error_description: 'client must authenticate with client_secret_basic',
    });
  });

  it('refuses a wrong secret with invalid_client and a Basic challenge', async () => {
    const res = await post(`${svc.issuer}/introspect`, form({ token: 'x.y.z' }), {
      authorization: basic('mcp-salesforce', 'wrong-secret'),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="mandate", charset="UTF-8"');
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('requires the token parameter', async () => {
    const res = await asResourceServer('');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: "missing required parameter 'token'",
    });
  });

  it('refuses a revoked Mandate token as a subject token (invalid_grant)', async () => {
    const first = await exchanged();
    // Before revocation the same exchange succeeds (the exchanged token carries the subject's
    // groups on), so the refusal below is the revocation check's.
    const before = await salesforceExchange(svc, {
      subject_token: first,
      subject_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect(before.status, before.text).toBe(200);
    const jti = JSON.parse(Buffer.from(first.split('.')[1] ?? '', 'base64url').toString()).jti as string;
    await revokeToken(svc.db.db, jti, clock);
    const res = await salesforceExchange(svc, {
      subject_token: first,
      subject_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'subject_token has been revoked' });
  });
});
