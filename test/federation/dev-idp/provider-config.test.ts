/**
 * The development IdP's configuration: Mandate its only client (confidential, code flow, PKCE
 * required), a fresh RS256 key, the interactions under the mount point, the demo users as
 * accounts with their claims, and the error page escaping what the provider says.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import {
  DEV_IDP_CLIENT_ID,
  devIdpConfiguration,
  findDemoAccount,
  renderSignInError,
} from '../../../src/federation/dev-idp/provider-config.js';
import { DEMO_USERS } from '../../../src/federation/dev-idp/users.js';

const options = {
  clientSecret: 's3cret',
  redirectUri: 'https://m.example/login/callback',
  cookieKey: 'k',
  mount: '/dev-idp',
};
const ctx = {} as KoaContextWithOIDC;

describe('devIdpConfiguration', () => {
  it('has Mandate as its only client, with a fresh private RS256 key', () => {
    const config = devIdpConfiguration(options);
    expect(config.clients).toEqual([
      {
        client_id: DEV_IDP_CLIENT_ID,
        client_secret: 's3cret',
        redirect_uris: ['https://m.example/login/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]);
    const [key] = config.jwks!.keys!;
    expect(key).toMatchObject({ kty: 'RSA', kid: 'dev-idp-rs256', alg: 'RS256', use: 'sig' });
    expect(key).toHaveProperty('d');
    expect(devIdpConfiguration(options).jwks!.keys![0]).not.toEqual(key);
    expect(config.cookies?.keys).toEqual(['k']);
    expect(config.conformIdTokenClaims).toBe(false);
  });

  it('sends interactions under the mount point', () => {
    const url = devIdpConfiguration(options).interactions!.url!;
    expect(url(ctx, { uid: 'abc' } as never)).toBe('/dev-idp/interaction/abc');
  });
});

describe('findDemoAccount', () => {
  it('answers a demo user with its claims, nothing for another id', () => {
    const alice = DEMO_USERS.find((u) => u.sub === 'alice')!;
    const account = findDemoAccount(ctx, 'alice')!;
    expect(account.accountId).toBe('alice');
    expect(account.claims('id_token', 'openid', {}, [])).toEqual({
      sub: 'alice',
      name: alice.name,
      email: alice.email,
      email_verified: true,
      department: alice.department,
      groups: alice.groups,
    });
    expect(findDemoAccount(ctx, 'mallory')).toBeUndefined();
  });
});

describe('renderSignInError', () => {
  it('writes an HTML page with the description and code escaped', () => {
    const out = { type: '', body: '' } as unknown as KoaContextWithOIDC;
    renderSignInError(out, { error: 'invalid_request', error_description: '<b>bad</b>' });
    expect(out.type).toBe('html');
    expect(out.body).toContain('&lt;b&gt;bad&lt;/b&gt;');
    expect(out.body).toContain('<code>invalid_request</code>');
    renderSignInError(out, { error: 'x<y' });
    expect(out.body).toContain('role="alert">x&lt;y</p>');
  });
});
