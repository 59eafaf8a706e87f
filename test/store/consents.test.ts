import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsentRepo, type ConsentKey } from '../../src/store/consents.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const key = (over: Partial<ConsentKey> = {}): ConsentKey => ({
  iss: 'https://idp.example',
  sub: 'alice',
  clientId: 'agent',
  resource: 'https://api.example',
  ...over,
});

describe('consent repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('is undefined before any consent, then the scopes consented to', async () => {
    const repo = createConsentRepo(t.db);
    expect(await repo.get(key())).toBeUndefined();
    await repo.remember(key(), ['crm.read', 'crm.write'], 10);
    expect(await repo.get(key())).toEqual(['crm.read', 'crm.write']);
  });

  it('adds new scopes to those already consented to, without repeats', async () => {
    const repo = createConsentRepo(t.db);
    const k = key({ sub: 'merge' });
    await repo.remember(k, ['a', 'b'], 1);
    await repo.remember(k, ['b', 'c'], 2);
    expect(await repo.get(k)).toEqual(['a', 'b', 'c']);
    const row = await t.db.query<{ scope: string; granted_at: string }>(
      "SELECT scope, granted_at FROM consents WHERE sub = 'merge'",
    );
    expect(row.rows).toEqual([{ scope: 'a b c', granted_at: expect.anything() }]);
    expect(Number(row.rows[0]!.granted_at)).toBe(2);
  });

  it('concurrent consents for one key both count (the row is locked while merged)', async () => {
    const repo = createConsentRepo(t.db);
    const k = key({ sub: 'race' });
    await repo.remember(k, ['base'], 1);
    await Promise.all(['x', 'y', 'z'].map((s, i) => repo.remember(k, [s], 2 + i)));
    expect((await repo.get(k))?.sort()).toEqual(['base', 'x', 'y', 'z']);
  });

  it('is per issuer, user, client and resource; forget removes only that one', async () => {
    const repo = createConsentRepo(t.db);
    const base = key({ sub: 'carol' });
    const others = [
      { ...base, iss: 'https://other.example' },
      { ...base, clientId: 'other-agent' },
      { ...base, resource: 'https://other-api.example' },
    ];
    await repo.remember(base, ['s'], 1);
    for (const o of others) expect(await repo.get(o)).toBeUndefined();
    for (const o of others) await repo.remember(o, ['t'], 1);
    await repo.forget(base);
    expect(await repo.get(base)).toBeUndefined();
    for (const o of others) expect(await repo.get(o)).toEqual(['t']);
  });
});
