import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configFileSchema } from '../../src/config/file.js';
import { clientRecords, issuerRecords, workloadIssuers } from '../../src/config/records.js';

const SECRET = 'a'.repeat(40);
const sha = (s: string) => createHash('sha256').update(s).digest('base64url');

const file = configFileSchema.parse({
  clients: [
    { client_id: 'inline', client_name: 'Inline', client_secret: SECRET, scope: 'crm.read' },
    { client_id: 'from-env', client_secret_env: 'MY_SECRET' },
    { client_id: 'hashed', client_secret_sha256: sha('h'.repeat(40)) },
    { client_id: 'missing-env', client_secret_env: 'UNSET' },
    {
      client_id: 'public',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://p.example/cb'],
    },
  ],
  issuers: [{ issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' }],
});

describe('clientRecords', () => {
  const records = clientRecords(file, { MY_SECRET: 'e'.repeat(40) }, 1_234);
  const byId = new Map(records.map((r) => [r.clientId, r]));

  it('stores only the SHA-256 of a secret, from the file, the environment or as given', () => {
    expect(byId.get('inline')?.secretHash).toBe(sha(SECRET));
    expect(byId.get('from-env')?.secretHash).toBe(sha('e'.repeat(40)));
    expect(byId.get('hashed')?.secretHash).toBe(sha('h'.repeat(40)));
    // A variable that is not set gives no secret (start-up checks refuse that elsewhere).
    expect(byId.get('missing-env')?.secretHash).toBeNull();
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });

  it('keeps the registration and marks it as registered from the configuration, at `now`', () => {
    expect(byId.get('inline')).toMatchObject({
      clientName: 'Inline',
      scope: 'crm.read',
      trust: 'registered',
      source: 'config',
      createdAt: 1_234,
      updatedAt: 1_234,
      lastUsedAt: null,
      expiresAt: null,
      jwks: null,
      jwksUri: null,
    });
    expect(byId.get('public')).toMatchObject({
      clientName: 'public',
      tokenEndpointAuthMethod: 'none',
      secretHash: null,
      grantTypes: ['authorization_code'],
      redirectUris: ['https://p.example/cb'],
      scope: null,
    });
    expect(records.map((r) => r.clientId)).toEqual(['inline', 'from-env', 'hashed', 'missing-env', 'public']);
  });
});

describe('issuerRecords and workloadIssuers', () => {
  it('maps issuers to config-sourced rows with the schema defaults', () => {
    const [row] = issuerRecords(file);
    expect(row).toMatchObject({
      issuer: 'https://idp.example',
      jwksUri: 'https://idp.example/jwks',
      jwks: null,
      tenant: null,
      scopesClaim: null,
      source: 'config',
    });
    expect(row!.algorithms.length).toBeGreaterThan(0);
  });

  it('maps workload issuers and their rules, leaving out members the file does not set', () => {
    expect(workloadIssuers(file)).toEqual([]);
    const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
    const withWorkload = configFileSchema.parse({
      clients: [
        {
          client_id: 'crm-agent',
          token_endpoint_auth_method: 'none',
          grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
        },
      ],
      workload_issuers: [
        {
          issuer: 'https://platform.example',
          jwks,
          audiences: ['https://mandate.example'],
          rules: [
            { sub: 'system:serviceaccount:agents:crm', client_id: 'crm-agent', scopes: ['crm.read'] },
            {
              sub_pattern: '^spiffe://x/.*$',
              client_id: 'crm-agent',
              claims: { ns: 'agents' },
              groups: ['g'],
            },
          ],
        },
      ],
    });
    expect(workloadIssuers(withWorkload)).toEqual([
      {
        issuer: 'https://platform.example',
        jwks,
        algorithms: ['RS256', 'ES256'],
        audiences: ['https://mandate.example'],
        maxLifetimeSeconds: 3600,
        rules: [
          {
            clientId: 'crm-agent',
            sub: 'system:serviceaccount:agents:crm',
            claims: {},
            scopes: ['crm.read'],
            groups: [],
          },
          { clientId: 'crm-agent', subPattern: '^spiffe://x/.*$', claims: { ns: 'agents' }, groups: ['g'] },
        ],
      },
    ]);
  });
});
