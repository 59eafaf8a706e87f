import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../../src/oauth/clients/client-auth.js';
import { NOW, TTL, useRegistration } from './registration-harness.js';

describe('RFC 7591 dynamic client registration over HTTP', () => {
  const h = useRegistration();
  const { register } = h;

  it('registers a public client: no secret, the registered metadata echoed, 201 no-store', async () => {
    const res = await register({
      client_name: 'Claude',
      redirect_uris: ['http://localhost:6274/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'crm.read crm.read',
      logo_uri: 'https://claude.example/logo.png',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id_issued_at: NOW,
      client_name: 'Claude',
      redirect_uris: ['http://localhost:6274/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'crm.read',
    });
    const row = await h.svc.db.db.query<Record<string, unknown>>(
      'SELECT * FROM clients WHERE client_id = $1',
      [body.client_id],
    );
    expect(row.rows[0]).toMatchObject({
      source: 'dynamic',
      trust: 'dynamic',
      secret_hash: null,
      expires_at: NOW + TTL,
    });
  });

  it('registers a confidential client by default (client_secret_basic), secret shown once, stored hashed', async () => {
    const res = await register({ redirect_uris: ['https://app.example.com/cb'] });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, string | number>;
    expect(body.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(body.client_secret_expires_at).toBe(0);
    const secret = String(body.client_secret);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const row = await h.svc.db.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM clients WHERE client_id = $1',
      [body.client_id],
    );
    expect(row.rows[0]?.secret_hash).toBe(hashSecret(secret));
    expect(row.rows[0]?.secret_hash).not.toContain(secret);
  });

  it('issues a fresh client_id and secret on each registration', async () => {
    const a = (await (await register({ redirect_uris: ['https://a.example/cb'] })).json()) as Record<
      string,
      string
    >;
    const b = (await (await register({ redirect_uris: ['https://a.example/cb'] })).json()) as Record<
      string,
      string
    >;
    expect(a.client_id).not.toBe(b.client_id);
    expect(a.client_secret).not.toBe(b.client_secret);
  });

  it('registers a private_key_jwt client with inline public keys', async () => {
    const jwks = {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        },
      ],
    };
    const res = await register({
      redirect_uris: ['https://a.example/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.jwks).toEqual(jwks);
    expect(body.client_secret).toBeUndefined();
  });
});
