import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientRepo, type ClientRecord } from '../../src/store/clients.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const client = (id: string, over: Partial<ClientRecord> = {}): ClientRecord => ({
  clientId: id,
  clientName: `Client ${id}`,
  secretHash: null,
  tokenEndpointAuthMethod: 'none',
  jwks: null,
  jwksUri: null,
  grantTypes: ['authorization_code', 'refresh_token'],
  audiences: [],
  redirectUris: ['http://127.0.0.1/callback'],
  scope: null,
  trust: 'registered',
  source: 'config',
  createdAt: 1_000,
  updatedAt: 1_000,
  lastUsedAt: null,
  expiresAt: null,
  ...over,
});

describe('client repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('inserts configured clients and reads them back field for field', async () => {
    const repo = createClientRepo(t.db);
    const mcp = client('mcp-salesforce', {
      secretHash: 'scrypt$abc',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
      grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      audiences: ['https://mcp.example/salesforce'],
      redirectUris: [],
      scope: 'crm.read crm.write',
    });
    expect(await repo.syncFromConfig([client('claude-desktop'), mcp])).toEqual({ upserted: 2, removed: 0 });
    expect(await repo.get('mcp-salesforce')).toEqual(mcp);
    expect(await repo.get('claude-desktop')).toEqual(client('claude-desktop'));
    expect(await repo.get('nobody')).toBeUndefined();
  });

  it('updates changed clients, keeps created_at, removes unconfigured ones, leaves dynamic ones alone', async () => {
    const repo = createClientRepo(t.db);
    await t.db.query(
      `INSERT INTO clients (client_id, client_name, token_endpoint_auth_method, trust, source, created_at, updated_at)
       VALUES ('dyn-1', 'Dynamic', 'none', 'dynamic', 'dynamic', 5, 5),
              ('https://app.example/cimd.json', 'CIMD', 'none', 'cimd', 'cimd', 5, 5)`,
    );
    const renamed = client('claude-desktop', { clientName: 'Claude', createdAt: 2_000, updatedAt: 2_000 });
    expect(await repo.syncFromConfig([renamed])).toEqual({ upserted: 1, removed: 1 });
    expect(await repo.get('claude-desktop')).toEqual({ ...renamed, createdAt: 1_000 });
    expect(await repo.get('mcp-salesforce')).toBeUndefined();
    expect((await repo.get('dyn-1'))?.source).toBe('dynamic');
    expect((await repo.get('https://app.example/cimd.json'))?.trust).toBe('cimd');

    expect(await repo.syncFromConfig([])).toEqual({ upserted: 0, removed: 1 });
    expect(await repo.get('dyn-1')).toBeDefined();
  });

  it('refuses non-config records and leaves the table unchanged when a row is invalid', async () => {
    const repo = createClientRepo(t.db);
    await repo.syncFromConfig([client('a')]);
    await expect(repo.syncFromConfig([client('b', { source: 'dynamic' })])).rejects.toThrow(
      "client b: syncFromConfig takes source 'config' records only",
    );
    const bad = client('c', { tokenEndpointAuthMethod: 'client_secret_jwt' as never });
    await expect(repo.syncFromConfig([client('b'), bad])).rejects.toThrow(/check constraint/);
    expect(await repo.get('a')).toBeDefined();
    expect(await repo.get('b')).toBeUndefined();
  });

  it('answers a lookup by an id no row can hold (U+0000, lone surrogate, empty, overlong) as unknown', async () => {
    const repo = createClientRepo(t.db);
    for (const id of ['nul\u0000id', 'lone\ud800', '', 'x'.repeat(5000)])
      expect(await repo.get(id)).toBeUndefined();
  });
});
