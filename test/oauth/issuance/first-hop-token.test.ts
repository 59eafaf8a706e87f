import { generateKeyPairSync } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/oauth/errors.js';
import {
  firstHopInput,
  firstHopToken,
  requireServedResource,
} from '../../../src/oauth/issuance/first-hop-token.js';
import { createResourceRegistry } from '../../../src/oauth/protected-resources.js';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';

const subject = { sub: 'alice', iss: 'https://idp.example', groups: ['eng'], claims: { department: 'r&d' } };
const client = {
  clientId: 'agent',
  tokenEndpointAuthMethod: 'none',
  grantTypes: [],
  audiences: [],
  trust: 'cimd',
};

describe('firstHopInput', () => {
  it('is the decision input of a user reaching a resource through a client', () => {
    expect(
      firstHopInput('refresh', subject, client, 'https://mcp.example', ['read'], 1_000, { dpop_jkt: 'j' }),
    ).toEqual({
      action: 'refresh',
      now: 1_000,
      subject: { sub: 'alice', iss: 'https://idp.example', groups: ['eng'], claims: { department: 'r&d' } },
      client: { client_id: 'agent', trust: 'cimd' },
      target: { resource: 'https://mcp.example' },
      scopes: ['read'],
      context: { dpop_jkt: 'j' },
    });
  });
});

describe('firstHopToken', () => {
  const issue = {
    subject,
    clientId: 'agent',
    resource: 'https://mcp.example',
    scopes: ['read'],
    ttl: 300,
    authTime: 900,
    jkt: undefined,
    now: 1_000,
  };

  it('mints for the resource as audience, carrying groups, attributes and auth_time', async () => {
    const req = firstHopToken({ issuer: 'https://mandate.example' }, issue);
    expect(req).toEqual({
      issuer: 'https://mandate.example',
      sub: 'alice',
      aud: 'https://mcp.example',
      clientId: 'agent',
      scopes: ['read'],
      ttlSeconds: 300,
      now: 1_000,
      extra: { department: 'r&d', groups: ['eng'], auth_time: 900 },
    });
    expect(firstHopToken({ issuer: 'i' }, { ...issue, jkt: 'thumb' }).jkt).toBe('thumb');
  });

  it("never lets a mapped attribute override groups, auth_time or the token's registered claims", async () => {
    const hostile = {
      ...subject,
      claims: { groups: ['admins'], auth_time: 1, sub: 'root', aud: 'x', scope: 'admin' },
    };
    const req = firstHopToken({ issuer: 'https://mandate.example' }, { ...issue, subject: hostile });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { token } = await mintAccessToken(
      { signingKey: () => ({ kid: 'k', alg: 'ES256', privateKey: ec.privateKey }) },
      req,
    );
    const { payload } = await jwtVerify(token, ec.publicKey, { currentDate: new Date(1_000_000) });
    expect(payload).toMatchObject({
      sub: 'alice',
      aud: 'https://mcp.example',
      scope: 'read',
      groups: ['eng'],
      auth_time: 900,
    });
  });
});

describe('requireServedResource', () => {
  const fh = {
    resources: createResourceRegistry([{ resource: 'https://mcp.example', name: 'M', scopes_supported: [] }]),
  };
  it('passes a served resource and refuses one no longer configured', () => {
    expect(() => requireServedResource(fh, 'https://mcp.example')).not.toThrow();
    let err: unknown;
    try {
      requireServedResource(fh, 'https://gone.example');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).toJSON()).toEqual({
      error: 'invalid_target',
      error_description: 'the resource is no longer served',
    });
    expect((err as OAuthError).reason).toBe('unknown_resource');
  });
});
