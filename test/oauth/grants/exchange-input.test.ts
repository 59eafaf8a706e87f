/**
 * What a token exchange asks the policy (the decision contract's `token_exchange` input) and the
 * token it would mint, from its checked request and parties: exact input and token, the scope
 * fallback to the subject token's, the proof's key, the tool call and the subject's groups.
 */
import { describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { exchangeInput, exchangeToken } from '../../../src/oauth/grants/exchange-input.js';
import type { ExchangeParties } from '../../../src/oauth/grants/exchange-parties.js';
import type { ExchangeRequest } from '../../../src/oauth/grants/exchange-request.js';
import { Params } from '../../../src/oauth/params.js';
import type { TokenRequest } from '../../../src/oauth/token-request.js';
import type { TokenClaims } from '../../../src/oauth/tokens/claims.js';
import { TokenType } from '../../../src/oauth/tokens/token-types.js';
import { decisionInputSchema } from '../../../src/policy/contract.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://mandate.example';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const client: OAuthClient = {
  clientId: 'mcp',
  tokenEndpointAuthMethod: 'client_secret_basic',
  grantTypes: [],
  audiences: [],
  trust: 'registered',
};
const subject: TokenClaims = {
  iss: 'https://idp.example',
  sub: 'alice',
  aud: ['mcp'],
  exp: NOW + 300,
  jti: 'sj',
  auth_time: NOW - 60,
  acr: 'mfa',
  scopes: ['crm.read', 'crm.write'],
  groups: ['sales'],
  others: { department: 'emea' },
};
const parties = (over: Partial<TokenClaims> = {}, prior?: ExchangeParties['prior']): ExchangeParties => ({
  subject: { ...subject, ...over },
  act: { sub: 'mcp', client_id: 'mcp', ...(prior === undefined ? {} : { act: prior }) },
  prior,
});
const request = (over: Partial<ExchangeRequest> = {}): ExchangeRequest => ({
  subjectToken: 'unused',
  subjectTokenType: TokenType.accessToken,
  requestedTokenType: TokenType.accessToken,
  target: { resource: 'https://api.example', audience: 'api' },
  scopes: ['crm.read'],
  ...over,
});
const tokenRequest: TokenRequest = {
  params: Params.parse(''),
  authorization: undefined,
  dpop: ['proof'],
  method: 'POST',
  url: `${ISSUER}/token`,
  ip: '192.0.2.1',
};
const proved: TokenRequest[] = [];
const ctx = (jkt: string | undefined) =>
  ({
    issuer: ISSUER,
    now: () => NOW,
    proof: async (req: TokenRequest) => {
      proved.push(req);
      return jkt;
    },
  }) as unknown as OAuthContext;

describe('exchangeInput', () => {
  it('asks for the requested scopes, for the subject through the caller, with the checked proof', async () => {
    const ask = await exchangeInput(tokenRequest, request(), parties(), client, ctx(JKT));
    expect(proved.at(-1)).toBe(tokenRequest);
    expect(ask).toEqual({
      jkt: JKT,
      input: {
        action: 'token_exchange',
        now: NOW,
        subject: {
          sub: 'alice',
          iss: 'https://idp.example',
          groups: ['sales'],
          scopes: ['crm.read', 'crm.write'],
          exp: NOW + 300,
          claims: { department: 'emea' },
        },
        client: { client_id: 'mcp', trust: 'registered' },
        actor: { sub: 'mcp', client_id: 'mcp' },
        target: { resource: 'https://api.example', audience: 'api' },
        scopes: ['crm.read'],
        context: { dpop_jkt: JKT, auth_time: NOW - 60, acr: 'mfa', ip: '192.0.2.1' },
      },
    });
    expect(decisionInputSchema.safeParse(ask.input).success).toBe(true);
  });

  it('names the earlier actors and the tool call (arguments {} when none were sent)', async () => {
    const prior = { sub: 'claude', client_id: 'claude' };
    const toolCall = { tool: 'update_stage', arguments: { id: 7 } };
    const { input, jkt } = await exchangeInput(
      tokenRequest,
      request({ toolCall }),
      parties({}, prior),
      client,
      ctx(undefined),
    );
    expect(jkt).toBeUndefined();
    expect(input.actor).toEqual({ sub: 'mcp', client_id: 'mcp', act: prior });
    expect(input.context).toEqual({
      auth_time: NOW - 60,
      acr: 'mfa',
      ip: '192.0.2.1',
      tool: 'update_stage',
      arguments: { id: 7 },
    });
    const bare = await exchangeInput(
      tokenRequest,
      request({ toolCall: { tool: 'whoami' } }),
      parties(),
      client,
      ctx(undefined),
    );
    expect(bare.input.context).toMatchObject({ tool: 'whoami', arguments: {} });
  });

  it("asks for the subject token's scopes when the request names none", async () => {
    const { input } = await exchangeInput(
      tokenRequest,
      request({ scopes: undefined }),
      parties(),
      client,
      ctx(JKT),
    );
    expect(input.scopes).toEqual(['crm.read', 'crm.write']);
  });

  it.each([
    ['the subject token carries none', { scopes: [] }],
    ['the subject token leaves them to the policy', { scopes: undefined }],
  ])('refuses a request without scope when %s: invalid_scope', async (_, over) => {
    const err = await exchangeInput(
      tokenRequest,
      request({ scopes: undefined }),
      parties(over),
      client,
      ctx(JKT),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).toJSON()).toEqual({
      error: 'invalid_scope',
      error_description: 'scope is required when the subject_token carries none',
    });
  });
});

describe('exchangeToken', () => {
  it('mints for the subject, the resource, the caller and the decided scopes, with act, jkt and groups', async () => {
    const p = parties({}, { sub: 'claude' });
    const ask = await exchangeInput(tokenRequest, request(), p, client, ctx(JKT));
    expect(exchangeToken({ issuer: ISSUER }, request(), p, ask, ['crm.read'])).toEqual({
      issuer: ISSUER,
      sub: 'alice',
      aud: 'https://api.example',
      clientId: 'mcp',
      scopes: ['crm.read'],
      act: { sub: 'mcp', client_id: 'mcp', act: { sub: 'claude' } },
      jkt: JKT,
      extra: { groups: ['sales'] },
    });
  });

  it('names the audience when no resource was asked for, and the tool call as authorization_details', async () => {
    const toolCall = { tool: 'update_stage', arguments: { id: 7 } };
    const req = request({ target: { audience: 'api' }, toolCall });
    const p = parties({ groups: [] });
    const ask = await exchangeInput(tokenRequest, req, p, client, ctx(undefined));
    expect(exchangeToken({ issuer: ISSUER }, req, p, ask, [])).toEqual({
      issuer: ISSUER,
      sub: 'alice',
      aud: 'api',
      clientId: 'mcp',
      scopes: [],
      act: { sub: 'mcp', client_id: 'mcp' },
      extra: { authorization_details: [{ type: 'mcp_tool_call', ...toolCall }] },
    });
  });

  it('adds no extra claims when the subject has no groups and no tool was named', async () => {
    const p = parties({ groups: [] });
    const ask = await exchangeInput(tokenRequest, request(), p, client, ctx(undefined));
    const token = exchangeToken({ issuer: ISSUER }, request(), p, ask, ['crm.read']);
    expect(token).not.toHaveProperty('extra');
    expect(token).not.toHaveProperty('jkt');
  });
});
