import { describe, expect, it } from 'vitest';
import { clientAuthAt, type OAuthContext } from '../../src/oauth/context.js';
import { endpointUrls } from '../../src/oauth/endpoint-urls.js';

const issuer = 'https://mandate.example';
const ctx = {
  issuer,
  endpoints: endpointUrls(issuer),
  clients: { get: async () => undefined },
  replay: {},
  clockSkew: 30,
  now: () => 1_000,
} as unknown as Pick<OAuthContext, 'issuer' | 'endpoints' | 'clients' | 'replay' | 'clockSkew' | 'now'>;

describe('clientAuthAt', () => {
  it('lets a client assertion name the issuer or the token endpoint at the token endpoint', () => {
    const deps = clientAuthAt(ctx, 'token');
    expect(deps.assertionAudiences).toEqual([issuer, `${issuer}/token`]);
    expect(deps).toMatchObject({ clients: ctx.clients, replay: ctx.replay, clockSkew: 30, now: ctx.now });
    expect(deps).not.toHaveProperty('secretByBasic');
  });

  it.each([
    ['revoke', '/revoke'],
    ['introspect', '/introspect'],
    ['backchannelAuthentication', '/bc-authorize'],
  ] as const)('adds the %s endpoint itself as an audience (RFC 7523 §3)', (endpoint, path) => {
    const deps = clientAuthAt(ctx, endpoint);
    expect(deps.assertionAudiences).toEqual([issuer, `${issuer}/token`, `${issuer}${path}`]);
    expect(deps).not.toHaveProperty('secretByBasic');
  });

  it('accepts a Basic secret at the AuthZEN endpoints only', () => {
    for (const endpoint of ['accessEvaluation', 'accessEvaluations'] as const) {
      const deps = clientAuthAt(ctx, endpoint);
      expect(deps.secretByBasic).toBe(true);
      expect(deps.assertionAudiences).toContain(endpointUrls(issuer)[endpoint]);
    }
  });
});
