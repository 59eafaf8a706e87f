/**
 * The RFC 7523 jwt-bearer grant with ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant
 * §4.4), over real HTTP against a real Mandate (Postgres, compiled default policy): a table of
 * hostile assertions with their exact wire errors (what is accepted: jwt-bearer.test.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { basic, MCP } from '../../helpers/service.js';
import { dpopKey, ID_JAG_TYP, JWT_BEARER, nowSeconds, postForm, type Wire } from '../id-jag/fixtures.js';
import { OTHER_SECRET, SECRET, useJwtBearer } from './jwt-bearer-harness.js';

describe('jwt-bearer grant with an ID-JAG: hostile assertions', () => {
  const h = useJwtBearer();
  const { claims, jag, redeem } = h;

  const refused = (error: string, error_description: string) => ({ error, error_description });

  const hostile: {
    name: string;
    request: () => Promise<Wire>;
    status?: number;
    expected: ReturnType<typeof refused>;
  }[] = [
    {
      name: 'typ JWT',
      request: async () => redeem(await h.partner.mint(claims(), { typ: 'JWT' })),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'no typ',
      request: async () => redeem(await h.partner.mint(claims())),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'an access token (typ at+jwt)',
      request: async () => redeem(await h.partner.mint(claims(), { typ: 'at+jwt' })),
      expected: refused('invalid_grant', "assertion typ must be 'oauth-id-jag+jwt'"),
    },
    {
      name: 'aud of another authorization server',
      request: async () => redeem(await jag({ aud: 'https://as.other.example' })),
      expected: refused('invalid_grant', 'assertion aud is not this authorization server'),
    },
    {
      name: 'aud an array with two values',
      request: async () => redeem(await jag({ aud: [h.svc.issuer, 'https://as.other.example'] })),
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
          h.svc.tokenEndpoint,
          { grant_type: JWT_BEARER, assertion: await jag() },
          { authorization: basic('other-client', OTHER_SECRET) },
        ),
      expected: refused('invalid_grant', 'assertion was issued for another client'),
    },
    {
      name: 'untrusted issuer',
      request: async () => redeem(await jag({}, h.stranger)),
      expected: refused('invalid_grant', 'assertion is from an issuer that is not trusted'),
    },
    {
      name: 'issuer trusted for ID tokens but not for ID-JAGs',
      request: async () => redeem(await jag({}, h.svc.idp)),
      expected: refused('invalid_grant', 'assertion issuer is not trusted to issue ID-JAGs'),
    },
    {
      name: 'issued by this server itself',
      request: async () => {
        const { kid, alg, privateKey } = h.svc.service.ctx.signer.signingKey();
        const token = await new SignJWT(claims({ iss: h.svc.issuer }))
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
        return redeem(await h.partner.mint(claims(), { typ: ID_JAG_TYP, key: forger }));
      },
      expected: refused('invalid_grant', 'assertion signature verification failed'),
    },
    {
      name: 'algorithm outside the issuer allow-list',
      request: async () => redeem(await h.partner.mint(claims(), { typ: ID_JAG_TYP, alg: 'RS256' })),
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
          { dpop: await other.proof(h.svc.tokenEndpoint) },
        );
      },
      expected: refused('invalid_grant', "the DPoP proof key does not match the assertion's cnf.jkt"),
    },
    {
      name: 'tenant other than the trusted one',
      request: async () => redeem(await jag({ tenant: 'globex' }, h.tenanted)),
      expected: refused('invalid_grant', 'assertion tenant is not the one trusted for this issuer'),
    },
    {
      name: 'no client authentication',
      request: async () => postForm(h.svc.tokenEndpoint, { grant_type: JWT_BEARER, assertion: await jag() }),
      status: 401,
      expected: refused('invalid_client', 'client authentication is required'),
    },
    {
      name: 'no assertion',
      request: () =>
        postForm(
          h.svc.tokenEndpoint,
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
