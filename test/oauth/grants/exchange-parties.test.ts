/**
 * Token exchange's parties (RFC 8693 §4.1, §4.4), with the real token verifier: the subject token
 * issued to the caller, the actor (the caller, or the subject of an actor token that identifies it
 * and was issued for Mandate), may_act member by member, and the act chain with earlier actors
 * nested, to a bounded depth; every refusal with its exact description and reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticatedClient } from '../../../src/oauth/clients/client.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { endpointUrls } from '../../../src/oauth/endpoint-urls.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { checkParties } from '../../../src/oauth/grants/exchange-parties.js';
import type { ExchangeRequest } from '../../../src/oauth/grants/exchange-request.js';
import type { Trace } from '../../../src/oauth/token-request.js';
import { TokenType } from '../../../src/oauth/tokens/token-types.js';
import { createTokenVerifier, type TrustedIssuer } from '../../../src/oauth/tokens/token-verifier.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://mandate.example';
const IDP = 'https://idp.example';
const MCP = 'https://mcp.example/mcp';
const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let ctx: OAuthContext;

const auth: AuthenticatedClient = {
  client: {
    clientId: 'mcp',
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
    audiences: [MCP],
    trust: 'registered',
  },
  method: 'client_secret_basic',
};

beforeAll(async () => {
  const idp: TrustedIssuer = {
    issuer: IDP,
    jwks: { keys: [{ ...(await exportJWK(idpKey.publicKey)), kid: 'i1', alg: 'ES256' }] },
    algorithms: ['ES256'],
    tokenTypes: ['access_token', 'jwt'],
  };
  const tokens = createTokenVerifier({
    issuer: ISSUER,
    selfKeys: () => new Map(),
    issuers: { get: async (i) => (i === IDP ? idp : undefined) },
    clockSkew: 30,
    now: () => NOW,
  });
  ctx = { issuer: ISSUER, endpoints: endpointUrls(ISSUER), tokens } as unknown as OAuthContext;
});

const token = (claims: JWTPayload = {}) =>
  new SignJWT({ iss: IDP, sub: 'alice', aud: MCP, iat: NOW, exp: NOW + 300, scope: 'crm.read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'i1', typ: 'at+jwt' })
    .sign(idpKey.privateKey);

async function request(subject: JWTPayload = {}, actor?: JWTPayload): Promise<ExchangeRequest> {
  return {
    subjectToken: await token(subject),
    subjectTokenType: TokenType.accessToken,
    ...(actor === undefined
      ? {}
      : { actor: { token: await token({ aud: ISSUER, ...actor }), tokenType: TokenType.jwt } }),
    requestedTokenType: TokenType.accessToken,
    target: { resource: 'https://api.example' },
    scopes: undefined,
  };
}

async function refusal(req: ExchangeRequest, trace: Trace = {}) {
  const err = await checkParties(req, auth, ctx, trace).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { ...e.toJSON(), reason: e.reason };
}
const refused = (error_description: string, reason: string) => ({
  error: 'invalid_grant',
  error_description,
  reason,
});

describe('checkParties: the subject', () => {
  it('takes a subject token issued to the caller; the caller acts, with no one before it', async () => {
    const trace: Trace = {};
    const p = await checkParties(await request(), auth, ctx, trace);
    expect(p.subject).toMatchObject({ iss: IDP, sub: 'alice', aud: [MCP], scopes: ['crm.read'] });
    expect(p.act).toEqual({ sub: 'mcp', client_id: 'mcp' });
    expect(p.prior).toBeUndefined();
    expect(trace).toEqual({ sub: 'alice' });
    // Issued to the caller by its client_id as audience, azp or client_id claim.
    for (const claims of [{ aud: 'mcp' }, { aud: 'x', azp: 'mcp' }, { aud: 'x', client_id: 'mcp' }])
      expect((await checkParties(await request(claims), auth, ctx, {})).prior).toBeUndefined();
  });

  it('nests the client the subject token was issued to under the caller', async () => {
    const p = await checkParties(await request({ client_id: 'claude' }), auth, ctx, {});
    expect(p.prior).toEqual({ sub: 'claude', client_id: 'claude' });
    expect(p.act).toEqual({ sub: 'mcp', client_id: 'mcp', act: { sub: 'claude', client_id: 'claude' } });
  });

  it("nests the subject token's own act chain under the caller, before its client_id", async () => {
    const chain = { sub: 'gateway', client_id: 'gateway', act: { sub: 'claude' } };
    const p = await checkParties(await request({ client_id: 'claude', act: chain }), auth, ctx, {});
    expect(p.prior).toEqual(chain);
    expect(p.act).toEqual({ sub: 'mcp', client_id: 'mcp', act: chain });
  });

  it('refuses a subject token issued to someone else, having recorded whose it is', async () => {
    const trace: Trace = {};
    expect(await refusal(await request({ aud: 'https://other.example' }), trace)).toEqual(
      refused('subject_token was not issued to this client', 'subject_audience'),
    );
    expect(trace.sub).toBe('alice');
  });

  it("passes on the verifier's refusal of the subject token", async () => {
    expect(await refusal(await request({ exp: NOW - 60 }))).toEqual(
      refused('subject_token has expired', 'expired'),
    );
  });

  it('bounds the act chain at five actors, the caller included', async () => {
    const chain = (n: number): JWTPayload['act'] =>
      n === 0 ? undefined : { sub: `a${n}`, ...(n > 1 ? { act: chain(n - 1) } : {}) };
    const p = await checkParties(await request({ act: chain(4) }), auth, ctx, {});
    expect(p.act.act).toEqual(chain(4));
    expect(await refusal(await request({ act: chain(5) }))).toEqual(
      refused('delegation chain deeper than 5 actors', 'act_depth'),
    );
  });
});

describe('checkParties: the actor token', () => {
  it('takes an actor token whose subject is the caller', async () => {
    const p = await checkParties(
      await request({}, { sub: 'mcp', aud: 'https://else.example' }),
      auth,
      ctx,
      {},
    );
    expect(p.act).toEqual({ sub: 'mcp', client_id: 'mcp' });
  });

  it('takes the subject of an actor token issued to the caller for Mandate', async () => {
    for (const claims of [
      { sub: 'bot', client_id: 'mcp' },
      { sub: 'bot', azp: 'mcp', aud: endpointUrls(ISSUER).token },
    ]) {
      const p = await checkParties(await request({}, claims), auth, ctx, {});
      expect(p.act).toEqual({ sub: 'bot', client_id: 'mcp' });
    }
  });

  it('refuses an actor token that does not identify the caller', async () => {
    expect(await refusal(await request({}, { sub: 'bot', client_id: 'other' }))).toEqual(
      refused('actor_token does not identify the calling client', 'actor_mismatch'),
    );
  });

  it('refuses an actor token naming another subject that was not issued for Mandate', async () => {
    expect(await refusal(await request({}, { sub: 'bob', client_id: 'mcp', aud: MCP }))).toEqual(
      refused('actor_token must be issued for this authorization server (aud)', 'actor_audience'),
    );
  });

  it("passes on the verifier's refusal of the actor token", async () => {
    expect(await refusal(await request({}, { sub: 'mcp', iss: 'https://evil.example' }))).toEqual(
      refused('actor_token is from an issuer that is not trusted', 'untrusted_issuer'),
    );
  });
});

describe('checkParties: may_act (RFC 8693 §4.4)', () => {
  it.each([
    ['the caller by sub', { sub: 'mcp' }, undefined],
    ['the caller by client_id and Mandate as issuer', { client_id: 'mcp', iss: ISSUER }, undefined],
    ["the actor token's subject and issuer", { sub: 'bot', iss: IDP }, { sub: 'bot', client_id: 'mcp' }],
  ])('allows a may_act naming %s', async (_, mayAct, actor) => {
    const p = await checkParties(await request({ may_act: mayAct }, actor), auth, ctx, {});
    expect(p.act.sub).toBe(actor?.sub ?? 'mcp');
  });

  it.each([
    ['another actor', { sub: 'someone-else' }, undefined],
    ['the caller and another issuer', { sub: 'mcp', iss: IDP }, undefined],
    ['no one (empty)', {}, undefined],
    ['a claim no actor has', { email: 'mcp@example.com' }, undefined],
    [
      'the caller, when an actor token names another subject',
      { sub: 'mcp' },
      { sub: 'bot', client_id: 'mcp' },
    ],
  ])('refuses a may_act naming %s', async (_, mayAct, actor) => {
    expect(await refusal(await request({ may_act: mayAct }, actor))).toEqual(
      refused('the subject_token does not allow this actor', 'may_act'),
    );
  });
});
