/**
 * What the jwt-bearer tests share: a real Mandate (Postgres, compiled default policy) trusting a
 * partner IdP and a multi-tenant one for ID-JAGs (a stranger IdP it does not trust), two clients
 * allowed the grant, and helpers that mint ID-JAGs and redeem them over real HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { createTestIdp, type TestIdp } from '../../helpers/idp.js';
import { basic, MCP, startTestService, type TestService } from '../../helpers/service.js';
import { ID_JAG_TYP, JWT_BEARER, nowSeconds, postForm, type Wire } from '../id-jag/fixtures.js';

export const SECRET = 'ai-client-secret-0123456789abcdefghijkl';
export const OTHER_SECRET = 'other-client-secret-0123456789abcdefgh';
export const RESOURCE = MCP.workday;
export const SCOPE = 'hr.profile.read hr.timeoff.read';

/** The service and IdPs of one test file (set once `beforeAll` has run) and its helpers. */
export interface JwtBearerHarness {
  svc: TestService;
  partner: TestIdp;
  stranger: TestIdp;
  tenanted: TestIdp;
  /** An ID-JAG's claims for alice, from the partner, for ai-client and the Workday resource. */
  claims: (extra?: Record<string, unknown>) => JWTPayload & Record<string, unknown>;
  /** An ID-JAG signed by `idp` (the partner unless given). */
  jag: (extra?: Record<string, unknown>, idp?: TestIdp) => Promise<string>;
  /** Redeems an assertion at the token endpoint as ai-client. */
  redeem: (
    assertion: string,
    params?: Record<string, string | undefined>,
    headers?: Record<string, string>,
  ) => Promise<Wire>;
  /** Verifies an issued access token against Mandate's JWKS. */
  verifyAccessToken: (token: string) => Promise<JWTVerifyResult>;
}

/** Registers the file's hooks (inside a `describe`) and returns its harness. */
export function useJwtBearer(): JwtBearerHarness {
  const h = {} as JwtBearerHarness;
  beforeAll(async () => {
    h.partner = await createTestIdp('https://idp.partner.example');
    h.stranger = await createTestIdp('https://idp.stranger.example');
    h.tenanted = await createTestIdp('https://idp.multi.example');
    h.svc = await startTestService({
      clients: [
        { client_id: 'ai-client', client_secret: SECRET, grant_types: [JWT_BEARER] },
        { client_id: 'other-client', client_secret: OTHER_SECRET, grant_types: [JWT_BEARER] },
      ],
      issuers: [
        { issuer: h.partner.issuer, jwks: h.partner.jwks, algorithms: ['ES256'], token_types: ['id_jag'] },
        {
          issuer: h.tenanted.issuer,
          jwks: h.tenanted.jwks,
          algorithms: ['ES256'],
          token_types: ['id_jag'],
          tenant: 'acme',
        },
      ],
    });
  });
  afterAll(async () => h.svc?.close());

  h.claims = function claims(extra: Record<string, unknown> = {}): JWTPayload & Record<string, unknown> {
    const now = nowSeconds();
    return {
      iss: h.partner.issuer,
      sub: 'alice',
      aud: h.svc.issuer,
      client_id: 'ai-client',
      jti: randomUUID(),
      iat: now,
      exp: now + 300,
      resource: RESOURCE,
      scope: SCOPE,
      ...extra,
    };
  };

  h.jag = (extra: Record<string, unknown> = {}, idp: TestIdp = h.partner) =>
    idp.mint(h.claims({ iss: idp.issuer, ...extra }), { typ: ID_JAG_TYP });

  h.redeem = function redeem(
    assertion: string,
    params: Record<string, string | undefined> = {},
    headers: Record<string, string> = {},
  ): Promise<Wire> {
    return postForm(
      h.svc.tokenEndpoint,
      { grant_type: JWT_BEARER, assertion, ...params },
      { authorization: basic('ai-client', SECRET), ...headers },
    );
  };

  h.verifyAccessToken = async function verifyAccessToken(token: string) {
    const jwks = createRemoteJWKSet(new URL(`${h.svc.url}/jwks`));
    return jwtVerify(token, jwks, { issuer: h.svc.issuer, audience: RESOURCE, typ: 'at+jwt' });
  };
  return h;
}
