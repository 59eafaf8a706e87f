import { generateKeyPairSync } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { mandateMint, type AllowedToken } from '../../../src/oauth/tokens/mint.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const mint = mandateMint({ signingKey: () => ({ kid: 'k1', alg: 'ES256', privateKey: ec.privateKey }) });
const allowed = (token: Partial<AllowedToken['token']> = {}): AllowedToken => ({
  grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
  input: {} as AllowedToken['input'],
  decision: {} as AllowedToken['decision'],
  token: {
    issuer: 'https://mandate.example',
    sub: 'alice',
    aud: 'https://api.example',
    clientId: 'agent',
    scopes: ['read'],
    ttlSeconds: 120,
    now: 1_000,
    ...token,
  },
});

describe("mandateMint (Mandate's own tokens)", () => {
  it('mints a recorded Bearer token and reports exactly its claims', async () => {
    const m = await mint(allowed());
    const { payload } = await jwtVerify(m.token, ec.publicKey, { currentDate: new Date(1_010_000) });
    expect(m).toEqual({
      token: m.token,
      tokenType: 'Bearer',
      jti: payload.jti,
      sub: 'alice',
      aud: 'https://api.example',
      scope: 'read',
      iat: 1_000,
      exp: 1_120,
      recorded: true,
    });
  });

  it('is a DPoP token carrying its jkt when bound, and reports the act chain', async () => {
    const m = await mint(allowed({ jkt: 'thumb', act: { sub: 'agent' } }));
    expect(m).toMatchObject({ tokenType: 'DPoP', jkt: 'thumb', act: { sub: 'agent' } });
    const { payload } = await jwtVerify(m.token, ec.publicKey, { currentDate: new Date(1_010_000) });
    expect(payload.cnf).toEqual({ jkt: 'thumb' });
  });
});
