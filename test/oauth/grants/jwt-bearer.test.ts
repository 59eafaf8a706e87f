/**
 * The RFC 7523 jwt-bearer grant with ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant
 * §4.4), over real HTTP against a real Mandate (Postgres, compiled default policy): what is accepted,
 * and a table of hostile assertions with their exact wire errors.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIdp, type TestIdp } from '../../helpers/idp.js';
import { basic, MCP, startTestService, type TestService } from '../../helpers/service.js';
import { dpopKey, ID_JAG_TYP, JWT_BEARER, nowSeconds, postForm, type Wire } from '../id-jag/fixtures.js';

const SECRET = 'ai-client-secret-0123456789abcdefghijkl';
const OTHER_SECRET = 'other-client-secret-0123456789abcdefgh';
const RESOURCE = MCP.workday;
const SCOPE = 'hr.profile.read hr.timeoff.read';

describe('jwt-bearer grant with an ID-JAG', () => {
  let svc: TestService;
  let partner: TestIdp;
  let stranger: TestIdp;
  let tenanted: TestIdp;

  beforeAll(async () => {
    partner = await createTestIdp('https://idp.partner.example');
    stranger = await createTestIdp('https://idp.stranger.example');
    tenanted = await createTestIdp('https://idp.multi.example');
    svc = await startTestService({
      clients: [
        { client_id: 'ai-client', client_secret: SECRET, grant_types: [JWT_BEARER] },
        { client_id: 'other-client', client_secret: OTHER_SECRET, grant_types: [JWT_BEARER] },
      ],
      issuers: [
        { issuer: partner.issuer, jwks: partner.jwks, algorithms: ['ES256'], token_types: ['id_jag'] },
        {
          issuer: tenanted.issuer,
          jwks: tenanted.jwks,
          algorithms: ['ES256'],
          token_types: ['id_jag'],
          tenant: 'acme',
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  function claims(extra: Record<string, unknown> = {}): JWTPayload & Record<string, unknown> {
    const now = nowSeconds();
    return {
      iss: partner.issuer,
      sub: 'alice',
      aud: svc.issuer,
      client_id: 'ai-client',
      jti: randomUUID(),
      iat: now,
      exp: now + 300,
      resource: RESOURCE,
      scope: SCOPE,
      ...extra,
    };
  }

  const jag = (extra: Record<string, unknown> = {}, idp: TestIdp = partner) =>
    idp.mint(claims({ iss: idp.issuer, ...extra }), { typ: ID_JAG_TYP });

  function redeem(
    assertion: string,
    params: Record<string, string | undefined> = {},
    headers: Record<string, string> = {},
  ): Promise<Wire> {
    return postForm(
      svc.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion, ...params },
      { authorization: basic('ai-client', SECRET), ...headers },
    );
  }

  async function verifyAccessToken(token: string) {
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/jwks`));
    return jwtVerify(token, jwks, { issuer: svc.issuer, audience: RESOURCE, typ: 'at+jwt' });
  }

  it('issues an access token for the asserted resource, with no refresh token', async () => {
    const assertion = await jag({ auth_time: nowSeconds() - 30, acr: 'phr' });
    const res = await redeem(assertion);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    expect(res.body.expires_in).toBeGreaterThan(0);
    expect(res.body.expires_in).toBeLessThanOrEqual(300);
    const { payload } = await verifyAccessToken(String(res.body.access_token));
    expect(payload).toMatchObject({ sub: 'alice', client_id: 'ai-client', scope: SCOPE, acr: 'phr' });
    expect(payload.aud).toBe(RESOURCE);
    expect(payload.cnf).toBeUndefined();

    // RFC 7523 §3 item 7: the jti is remembered, in the shared Postgres store, until the ID-JAG expires.
    const { jti, exp } = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as {
      jti: string;
      exp: number;
    };
    const rows = await svc.db.db.query<{ expires_at: string }>(
      'SELECT expires_at FROM replay WHERE namespace = $1 AND key = $2',
      [`id_jag:${partner.issuer}`, jti],
    );
    expect(rows.rows.map((r) => Number(r.expires_at))).toEqual([exp + svc.service.ctx.clockSkew]);
  });

  it('accepts aud as an array holding only this issuer', async () => {
    const res = await redeem(await jag({ aud: [svc.issuer] }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('grants requested ∩ the assertion: a narrower request, and scopes the assertion lacks dropped', async () => {
    const narrow = await redeem(await jag(), { scope: 'hr.timeoff.read' });
    expect(narrow.status, JSON.stringify(narrow.body)).toBe(200);
    expect(narrow.body.scope).toBe('hr.timeoff.read');
    const wider = await redeem(await jag(), { scope: 'hr.profile.read hr.records.read' });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    expect(wider.body.scope).toBe('hr.profile.read');
  });

  it('binds the token to the key of a cnf.jkt assertion when the proof uses that key', async () => {
    const key = await dpopKey();
    const res = await redeem(
      await jag({ cnf: { jkt: key.jkt } }),
      {},
      { dpop: await key.proof(svc.tokenEndpoint) },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    const { payload } = await verifyAccessToken(String(res.body.access_token));
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it("accepts a multi-tenant issuer's ID-JAG for the configured tenant", async () => {
    const res = await redeem(await jag({ tenant: 'acme' }, tenanted));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('does not use up an assertion that was refused', async () => {
    const assertion = await jag();
    expect((await redeem(assertion, { scope: 'hr.records.read' })).body.error).toBe('invalid_scope');
    expect((await redeem(assertion)).status).toBe(200);
  });

  const refused = (error: string, error_description: string) => ({ error, error_description });

  const hostile: {
    name: string;
    request: () => Promise<Wire>;
    status?: number;
    expected: ReturnType<typeof refused>;
  }[] = [
    {
      name: 'typ JWT',
      request: async () => redeem(await partner.mint(claims(), { typ: 'JWT' })),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'no typ',
      request: async () => redeem(await partner.mint(claims())),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'an access token (typ at+jwt)',
      request: async () => redeem(await partner.mint(claims(), { typ: 'at+jwt' })),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'aud of another authorization server',
      request: async () => redeem(await jag({ aud: 'https://as.other.example' })),
      expected: refused('invalid_grant', 'assertion aud is not this authorization server'),
    },
    {
      name: 'aud an array with two values',
      request: async () => redeem(await jag({ aud: [svc.issuer, 'https://as.other.example'] })),
      expected: refused('invalid_grant', 'assertion aud must name exactly one authorization server'),
    },
    {
      name: 'client_id of another client',
      request: async () => redeem(await jag({ client_id: 'other-client' })),
      expected: refused('invalid_grant', 'assertion was issued for another client'),
    },
    {
      name: 'presented by the client it names, authenticated as another',
      request: async () =>
        postForm(
          svc.tokenEndpoint,
          { grant_type: JWT_BEARER, assertion: await jag() },
          { authorization: basic('other-client', OTHER_SECRET) },
        ),
      expected: refused('invalid_grant', 'assertion was issued for another client'),
    },
    {
      name: 'untrusted issuer',
      request: async () => redeem(await jag({}, stranger)),
      expected: refused('invalid_grant', 'assertion is from an issuer that is not trusted'),
    },
    {
      name: 'issuer trusted for ID tokens but not for ID-JAGs',
      request: async () => redeem(await jag({}, svc.idp)),
      expected: refused('invalid_grant', 'assertion issuer is not trusted to issue ID-JAGs'),
    },
    {
      name: 'issued by this server itself',
      request: async () => {
        const { kid, alg, privateKey } = svc.service.ctx.signer.signingKey();
        const token = await new SignJWT(claims({ iss: svc.issuer }))
          .setProtectedHeader({ alg, kid, typ: ID_JAG_TYP })
          .sign(privateKey);
        return redeem(token);
      },
      expected: refused('invalid_grant', 'assertion was issued by this server and cannot be exchanged here'),
    },
    {
      name: 'bad signature',
      request: async () => {
        const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
        return redeem(await partner.mint(claims(), { typ: ID_JAG_TYP, key: forger }));
      },
      expected: refused('invalid_grant', 'assertion signature verification failed'),
    },
    {
      name: 'algorithm outside the issuer allow-list',
      request: async () => redeem(await partner.mint(claims(), { typ: ID_JAG_TYP, alg: 'RS256' })),
      expected: refused('invalid_grant', 'assertion is signed with an algorithm that is not allowed'),
    },
    {
      name: 'expired (beyond the clock skew)',
      request: async () => redeem(await jag({ iat: nowSeconds() - 600, exp: nowSeconds() - 120 })),
      expected: refused('invalid_grant', 'assertion has expired'),
    },
    {
      name: 'issued in the future',
      request: async () => redeem(await jag({ iat: nowSeconds() + 600, exp: nowSeconds() + 900 })),
      expected: refused('invalid_grant', 'assertion is issued in the future'),
    },
    {
      name: 'lifetime too long to remember its jti',
      request: async () => redeem(await jag({ exp: nowSeconds() + 7200 })),
      expected: refused('invalid_grant', 'assertion must expire within 3600 seconds'),
    },
    {
      name: 'no jti',
      request: async () => redeem(await jag({ jti: undefined })),
      expected: refused('invalid_grant', 'assertion jti claim is missing'),
    },
    // Typed at the boundary (src/oauth/tokens/claims.ts): a jti no replay record can hold.
    ...([42, null, ['a'], '', 'j\u0000', 'j'.repeat(2049)] as unknown[]).map((jti) => ({
      name: `jti ${JSON.stringify(jti).slice(0, 20)}`,
      request: async () => redeem(await jag({ jti })),
      expected: refused('invalid_grant', "assertion claim 'jti' must be a non-empty string"),
    })),
    {
      name: 'scope as a number',
      request: async () => redeem(await jag({ scope: 7 })),
      expected: refused(
        'invalid_grant',
        "assertion claim 'scope' must be a space-separated string of at most 200 scope tokens",
      ),
    },
    {
      name: 'replayed jti',
      request: async () => {
        const assertion = await jag();
        const first = await redeem(assertion);
        expect(first.status, JSON.stringify(first.body)).toBe(200);
        return redeem(assertion);
      },
      expected: refused('invalid_grant', 'assertion has already been used'),
    },
    {
      name: 'unregistered resource',
      request: async () => redeem(await jag({ resource: 'https://mcp.unknown.example/mcp' })),
      expected: refused(
        'invalid_target',
        'resource https://mcp.unknown.example/mcp is not a registered MCP server',
      ),
    },
    {
      name: 'a resource the assertion does not name',
      request: async () => redeem(await jag(), { resource: MCP.salesforce }),
      expected: refused('invalid_target', 'resource is not granted by the assertion'),
    },
    {
      name: 'scope not in the assertion',
      request: async () => redeem(await jag(), { scope: 'hr.records.read' }),
      expected: refused('invalid_scope', 'none of the requested scopes is granted by the assertion'),
    },
    {
      name: 'cnf.jkt without a DPoP proof',
      request: async () => redeem(await jag({ cnf: { jkt: (await dpopKey()).jkt } })),
      expected: refused('invalid_grant', 'proof of possession is required for this assertion'),
    },
    {
      name: 'cnf.jkt with a proof of another key',
      request: async () => {
        const [bound, other] = [await dpopKey(), await dpopKey()];
        return redeem(
          await jag({ cnf: { jkt: bound.jkt } }),
          {},
          { dpop: await other.proof(svc.tokenEndpoint) },
        );
      },
      expected: refused('invalid_grant', "the DPoP proof key does not match the assertion's cnf.jkt"),
    },
    {
      name: 'tenant other than the trusted one',
      request: async () => redeem(await jag({ tenant: 'globex' }, tenanted)),
      expected: refused('invalid_grant', 'assertion tenant is not the one trusted for this issuer'),
    },
    {
      name: 'no client authentication',
      request: async () => postForm(svc.tokenEndpoint, { grant_type: JWT_BEARER, assertion: await jag() }),
      status: 401,
      expected: refused('invalid_client', 'client authentication is required'),
    },
    {
      name: 'no assertion',
      request: () =>
        postForm(
          svc.tokenEndpoint,
          { grant_type: JWT_BEARER },
          { authorization: basic('ai-client', SECRET) },
        ),
      expected: refused('invalid_request', "missing required parameter 'assertion'"),
    },
  ];

  it.each(hostile)('refuses $name', async ({ request, status, expected }) => {
    const res = await request();
    expect(res.body).toEqual(expected);
    expect(res.status).toBe(status ?? 400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
