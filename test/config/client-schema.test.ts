import { describe, expect, it } from 'vitest';
import { clientSchema } from '../../src/config/client-schema.js';

const SECRET = 's'.repeat(32);
const issues = (input: unknown) => {
  const r = clientSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('configured client schema', () => {
  it('fills the defaults: client_secret_basic, token exchange, no audiences or redirect URIs', () => {
    expect(clientSchema.parse({ client_id: 'c', client_secret: SECRET })).toEqual({
      client_id: 'c',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      audiences: [],
      grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      redirect_uris: [],
    });
  });

  it('a secret method needs exactly one of the three secret forms', () => {
    expect(issues({ client_id: 'c' })).toEqual([
      ': needs exactly one of client_secret, client_secret_env, client_secret_sha256',
    ]);
    expect(issues({ client_id: 'c', client_secret: SECRET, client_secret_env: 'X' })).toHaveLength(1);
    expect(
      issues({ client_id: 'c', token_endpoint_auth_method: 'client_secret_post', client_secret_env: 'X' }),
    ).toEqual([]);
    expect(issues({ client_id: 'c', client_secret_sha256: 'A'.repeat(43) })).toEqual([]);
  });

  it('refuses a short secret and a malformed hash', () => {
    expect(issues({ client_id: 'c', client_secret: 'short' })).toEqual([
      'client_secret: must be at least 32 characters (high-entropy secrets only)',
    ]);
    expect(issues({ client_id: 'c', client_secret_sha256: 'abc' })).toEqual([
      'client_secret_sha256: must be the base64url SHA-256 of the secret',
    ]);
  });

  it('a public or private_key_jwt client takes no secret; private_key_jwt needs jwks xor jwks_uri', () => {
    expect(issues({ client_id: 'c', token_endpoint_auth_method: 'none', client_secret: SECRET })).toEqual([
      ': a secret is not used with none',
    ]);
    const jwt = { client_id: 'c', token_endpoint_auth_method: 'private_key_jwt' };
    expect(issues(jwt)).toEqual([': private_key_jwt needs exactly one of jwks, jwks_uri']);
    expect(issues({ ...jwt, jwks: { keys: [{ kty: 'EC' }] }, jwks_uri: 'https://c.example/jwks' })).toEqual([
      ': private_key_jwt needs exactly one of jwks, jwks_uri',
    ]);
    expect(issues({ ...jwt, jwks_uri: 'https://c.example/jwks' })).toEqual([]);
    expect(issues({ ...jwt, jwks: { keys: [] } })[0]).toMatch(/^jwks\.keys: /);
  });

  it('redirect URIs follow the registration rules, named by index', () => {
    const out = issues({
      client_id: 'c',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://c.example/cb', 'https://c.example/cb#frag'],
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^redirect_uris\.1: https:\/\/c\.example\/cb#frag /);
  });

  it('refuses unknown members and an empty or over-long client_id', () => {
    expect(issues({ client_id: 'c', client_secret: SECRET, secret: 'x' })[0]).toMatch(/Unrecognized key/);
    expect(issues({ client_id: '', client_secret: SECRET })[0]).toMatch(/^client_id: /);
    expect(issues({ client_id: 'x'.repeat(256), client_secret: SECRET })[0]).toMatch(/^client_id: /);
  });
});
