/**
 * Expiry of self-registered clients on a real database: unused dynamic clients become unknown at
 * their expiry, each use pushes it back, and the periodic clean-up deletes them (and nothing else).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import { startClientReaper } from '../../../src/oauth/clients/client-reaper.js';
import {
  createSelfRegistration,
  type SelfRegistration,
} from '../../../src/oauth/clients/self-registration.js';
import { createClientRepo, type ClientRepo } from '../../../src/store/clients.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';

const TTL = 1000;
const T0 = 1_800_000_000;

describe('dynamic client expiry', () => {
  let t: TestDatabase;
  let repo: ClientRepo;
  let clock = T0;
  let reg: SelfRegistration;

  beforeAll(async () => {
    t = await createTestDatabase();
    repo = createClientRepo(t.db);
    await repo.syncFromConfig([
      {
        clientId: 'configured',
        clientName: 'Configured',
        secretHash: null,
        tokenEndpointAuthMethod: 'none',
        jwks: null,
        jwksUri: null,
        grantTypes: ['authorization_code'],
        audiences: [],
        redirectUris: ['https://c.example/cb'],
        scope: null,
        trust: 'registered',
        source: 'config',
        createdAt: 0,
        updatedAt: 0,
        lastUsedAt: null,
        expiresAt: null,
      },
    ]);
    reg = createSelfRegistration({
      settings: { dynamicClientTtl: TTL, cimdAllowedHosts: [], cimdTimeoutMs: 1000, cimdCa: undefined },
      repo,
      // No cache: each lookup reads the row, so the test sees exactly what is stored.
      get: (id) => repo.get(id),
      now: () => clock,
      log: createMemoryLogger(),
    });
  });
  afterAll(async () => {
    reg?.stop();
    await t?.drop();
  });

  const registerAt = async (at: number): Promise<string> => {
    clock = at;
    const res = await reg.register({
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'none',
    });
    return String(res.client_id);
  };
  const row = async (id: string) =>
    (
      await t.db.query<{ last_used_at: number | null; expires_at: number }>(
        'SELECT last_used_at, expires_at FROM clients WHERE client_id = $1',
        [id],
      )
    ).rows[0];

  it('an unused dynamic client is unknown after its expiry and deleted by the clean-up', async () => {
    const id = await registerAt(T0);
    expect(await row(id)).toEqual({ last_used_at: null, expires_at: T0 + TTL });
    clock = T0 + TTL;
    expect(await reg.lookup.get(id)).toBeUndefined();
    clock = T0 + TTL + 1;
    expect(await reg.sweep()).toBe(1);
    expect(await row(id)).toBeUndefined();
    // Configured clients never expire.
    expect(await repo.get('configured')).toMatchObject({ clientId: 'configured' });
  });

  it('each use pushes the expiry back (at most once per interval)', async () => {
    const id = await registerAt(T0 + 10_000);
    clock = T0 + 10_500;
    expect(await reg.lookup.get(id)).toMatchObject({ clientId: id, trust: 'dynamic' });
    await expect.poll(() => row(id)).toEqual({ last_used_at: T0 + 10_500, expires_at: T0 + 10_500 + TTL });
    // Within the touch interval (TTL / 10), a second use writes nothing.
    clock = T0 + 10_550;
    await reg.lookup.get(id);
    await new Promise((r) => setTimeout(r, 50));
    expect((await row(id))?.last_used_at).toBe(T0 + 10_500);
    // Past the original expiry, the client is still known.
    clock = T0 + 11_200;
    expect(await reg.lookup.get(id)).toMatchObject({ clientId: id });
    expect(await reg.sweep()).toBe(0);
  });

  it('the periodic job deletes expired clients by itself', async () => {
    const id = await registerAt(T0 + 20_000);
    clock = T0 + 20_000 + TTL + 1;
    const reaper = startClientReaper({
      purgeExpired: (now) => repo.purgeExpired(now),
      now: () => clock,
      intervalMs: 20,
      log: createMemoryLogger(),
    });
    try {
      await expect.poll(() => row(id), { timeout: 2000 }).toBeUndefined();
    } finally {
      reaper.stop();
    }
  });
});
