/**
 * The client lookup against the real client store (Postgres) and the real jwks_uri fetcher (a test
 * HTTPS server): configured clients as stored, dynamic ones until they expire, uses recorded at most
 * once per interval, registered key URLs fetched into inline keys.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import { createRemoteJwksFetcher } from '../../../src/oauth/clients/cimd/remote-jwks.js';
import { createClientLookup } from '../../../src/oauth/clients/client-lookup.js';
import { createClientRepo, type ClientRecord, type ClientRepo } from '../../../src/store/clients.js';
import { startDocServer, type DocServer } from '../../helpers/doc-server.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { createTestCert, type TestCert } from '../../helpers/tls.js';

const jwk = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
let t: TestDatabase;
let repo: ClientRepo;
let cert: TestCert;
let docs: DocServer;
let now = 10_000;

const record = (clientId: string, over: Partial<ClientRecord> = {}): ClientRecord => ({
  clientId,
  clientName: clientId,
  secretHash: null,
  tokenEndpointAuthMethod: 'none',
  jwks: null,
  jwksUri: null,
  grantTypes: ['authorization_code'],
  audiences: [],
  redirectUris: ['https://app.example/cb'],
  scope: null,
  trust: 'dynamic',
  source: 'dynamic',
  createdAt: 1_000,
  updatedAt: 1_000,
  lastUsedAt: null,
  expiresAt: 20_000,
  ...over,
});

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createClientRepo(t.db);
  cert = await createTestCert();
  docs = await startDocServer(cert);
});
afterAll(async () => {
  await docs?.close();
  await cert?.dispose();
  await t?.drop();
});

const lookup = () =>
  createClientLookup({
    get: (id) => repo.get(id),
    touch: (id, at, exp) => repo.touch(id, at, exp),
    remoteJwks: createRemoteJwksFetcher(
      { timeoutMs: 2500, allowedHosts: new Set(['localhost']), ca: cert.cert },
      () => now,
    ),
    now: () => now,
    ttl: 1_000,
    log: createMemoryLogger(),
  });

describe('createClientLookup', () => {
  beforeEach(() => {
    now = 10_000;
  });

  it('returns a configured client as stored, without recording its use', async () => {
    await repo.syncFromConfig([
      record('configured', { source: 'config', trust: 'registered', expiresAt: null }),
    ]);
    const c = await lookup().get('configured');
    expect(c).toMatchObject({ clientId: 'configured', trust: 'registered' });
    expect((await repo.get('configured'))?.lastUsedAt).toBeNull();
  });

  it('returns a dynamic client until it expires, and nothing for unknown or non-string ids', async () => {
    await repo.insert(record('dyn-1', { expiresAt: 10_500 }));
    await repo.insert(record('dyn-1b', { expiresAt: 10_500 }));
    const l = lookup();
    now = 10_499;
    expect((await l.get('dyn-1'))?.clientId).toBe('dyn-1');
    // Expired (a use just now would have pushed dyn-1's expiry back; dyn-1b was never used).
    now = 10_500;
    expect(await l.get('dyn-1b')).toBeUndefined();
    expect(await l.get('nobody')).toBeUndefined();
    expect(await l.get(42 as unknown as string)).toBeUndefined();
    expect(await l.get({ toString: () => 'dyn-1' } as unknown as string)).toBeUndefined();
  });

  it("pushes a used dynamic client's expiry back, at most once per interval (ttl / 10)", async () => {
    await repo.insert(record('dyn-2'));
    const l = lookup();
    await l.get('dyn-2');
    await new Promise((r) => setTimeout(r, 50));
    expect(await repo.get('dyn-2')).toMatchObject({ lastUsedAt: 10_000, expiresAt: 11_000 });
    now = 10_099;
    await l.get('dyn-2');
    await new Promise((r) => setTimeout(r, 50));
    expect((await repo.get('dyn-2'))?.lastUsedAt).toBe(10_000);
    now = 10_100;
    await l.get('dyn-2');
    await new Promise((r) => setTimeout(r, 50));
    expect(await repo.get('dyn-2')).toMatchObject({ lastUsedAt: 10_100, expiresAt: 11_100 });
  });

  it("fetches a dynamic client's jwks_uri into inline keys", async () => {
    docs.route('/dyn-3/jwks', { body: { keys: [jwk] } });
    await repo.insert(
      record('dyn-3', { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: docs.url('/dyn-3/jwks') }),
    );
    const c = await lookup().get('dyn-3');
    expect(c).toMatchObject({ jwks: { keys: [jwk] }, jwksUri: null });
  });
});
