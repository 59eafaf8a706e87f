/**
 * The one issuance helper (src/oauth/issuance/issue-token.ts): what was minted becomes the issuance
 * record, the token event and the response's shared members, whichever mint produced it.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { issueToken } from '../../../src/oauth/issuance/issue-token.js';
import { mandateMint, type AllowedToken, type Mint } from '../../../src/oauth/tokens/mint.js';
import type { Decision, DecisionInput } from '../../../src/policy/contract.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = { signingKey: () => ({ kid: 'k1', alg: 'ES256' as const, privateKey }) };

const input: DecisionInput = {
  action: 'token_exchange',
  now: 1_000,
  subject: { sub: 'alice', iss: 'https://idp.example', groups: [], claims: {} },
  client: { client_id: 'mcp', trust: 'registered' },
  target: { resource: 'https://api.example' },
  scopes: ['a', 'b'],
  context: {},
};
const decision: Decision = {
  decision_id: 'd1',
  path: 'mcp/authz/decision',
  allow: true,
  scopes: ['a'],
  ttl_seconds: 60,
  reasons: [],
  obligations: {},
  result: {},
  bundle: { revision: 'r', digest: 'x' },
  metrics: { timer_eval_ns: 0 },
  timestamp: '1970-01-01T00:16:40Z',
};
const allowed = (extra: Partial<AllowedToken['token']> = {}): AllowedToken => ({
  grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
  input,
  decision,
  token: {
    issuer: 'https://mandate.example',
    sub: 'alice',
    aud: 'https://api.example',
    clientId: 'mcp',
    scopes: ['a'],
    ttlSeconds: 60,
    now: 1_000,
    ...extra,
  },
});

describe('issueToken', () => {
  it("mints with the context's mint and records the token, its event and the response members", async () => {
    const act = { sub: 'mcp', client_id: 'mcp' };
    const trace = { decision: { decision, input } };
    const { minted, body, audit } = await issueToken({ mint: mandateMint(signer) }, trace, {
      allowed: allowed({ act, jkt: 'thumb' }),
      action: 'token_exchange',
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      subjectJti: 'sj',
    });
    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    expect(decodeJwt(minted.token)).toMatchObject({ sub: 'alice', aud: 'https://api.example', act });
    expect(body).toEqual({
      access_token: minted.token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'DPoP',
      expires_in: 60,
    });
    const common = { sub: 'alice', client_id: 'mcp', scope: 'a', iat: 1_000, exp: 1_060, act };
    expect(audit).toEqual({
      decision: trace.decision,
      issued: {
        ...common,
        jti: minted.jti,
        aud: ['https://api.example'],
        cnf_jkt: 'thumb',
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        decision_id: 'd1',
      },
      tokens: [
        {
          ...common,
          kind: 'issued',
          action: 'token_exchange',
          jti: minted.jti,
          aud: 'https://api.example',
          token_type: 'DPoP',
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          cnf_jkt: 'thumb',
          decision_id: 'd1',
          subject_jti: 'sj',
        },
      ],
    });
  });

  it('takes what another mint produced: its expiry, its members, no issuance record when it says so', async () => {
    const seen: AllowedToken[] = [];
    const downstream: Mint = async (a) => {
      seen.push(a);
      return {
        token: 'downstream-token',
        tokenType: 'Bearer',
        jti: 'dj',
        sub: 'alice@example',
        aud: a.token.aud,
        scope: 'a',
        iat: 1_000,
        exp: 1_030,
        recorded: false,
        response: { instance_url: 'https://na1.example' },
      };
    };
    const { body, audit } = await issueToken(
      { mint: mandateMint(signer) },
      {},
      {
        allowed: allowed(),
        kind: 'refreshed',
        action: 'refresh_token',
        mint: downstream,
      },
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.decision).toBe(decision);
    expect(body).toEqual({
      access_token: 'downstream-token',
      token_type: 'Bearer',
      expires_in: 30,
      instance_url: 'https://na1.example',
    });
    expect(audit.issued).toBeUndefined();
    expect(audit.decision).toBeUndefined();
    expect(audit.tokens).toEqual([
      expect.objectContaining({
        kind: 'refreshed',
        action: 'refresh_token',
        jti: 'dj',
        token_type: 'Bearer',
      }),
    ]);
  });

  it("puts the context's decorateMint around a grant's own mint, never around the context's", async () => {
    const calls: string[] = [];
    const own: Mint = async (a) => {
      calls.push('own');
      return mandateMint(signer)(a);
    };
    const decorateMint = (m: Mint): Mint => {
      calls.push('decorated');
      return (a) => m(a);
    };
    const ctx = { mint: mandateMint(signer), decorateMint };
    await issueToken(ctx, {}, { allowed: allowed(), action: 'id_jag', mint: own });
    expect(calls).toEqual(['decorated', 'own']);
    calls.length = 0;
    await issueToken(ctx, {}, { allowed: allowed(), action: 'token_exchange' });
    expect(calls).toEqual([]); // the context's mint is decorated where the context is built
  });

  it('refuses what the mint refuses, and records nothing', async () => {
    const refusing: Mint = async () => {
      throw new Error('downstream said no');
    };
    await expect(
      issueToken({ mint: refusing }, {}, { allowed: allowed(), action: 'token_exchange' }),
    ).rejects.toThrow('downstream said no');
  });
});
