import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubjectRepo } from '../../src/store/subjects.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('subject repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('returns what the IdP said at the last login, per issuer and subject', async () => {
    const repo = createSubjectRepo(t.db);
    expect(await repo.get('https://idp.example', 'alice')).toBeUndefined();
    const alice = {
      iss: 'https://idp.example',
      sub: 'alice',
      groups: ['sales', 'eng'],
      claims: { department: 'sales', email: 'alice@example.com', level: 3, nested: { a: [1] } },
    };
    await repo.upsert(alice, 1_000);
    // Same sub at another IdP is another user.
    await repo.upsert({ iss: 'https://other.example', sub: 'alice', groups: [], claims: {} }, 1_000);
    expect(await repo.get('https://idp.example', 'alice')).toEqual(alice);
    expect(await repo.get('https://other.example', 'alice')).toEqual({
      iss: 'https://other.example',
      sub: 'alice',
      groups: [],
      claims: {},
    });
  });

  it('a later login replaces groups and claims (a user who left a group loses it)', async () => {
    const repo = createSubjectRepo(t.db);
    await repo.upsert(
      { iss: 'https://idp.example', sub: 'bob', groups: ['admins', 'eng'], claims: { a: 1 } },
      1,
    );
    await repo.upsert({ iss: 'https://idp.example', sub: 'bob', groups: ['eng'], claims: { b: 2 } }, 2);
    expect(await repo.get('https://idp.example', 'bob')).toEqual({
      iss: 'https://idp.example',
      sub: 'bob',
      groups: ['eng'],
      claims: { b: 2 },
    });
    const row = await t.db.query<{ updated_at: string }>(
      "SELECT updated_at FROM subjects WHERE iss = 'https://idp.example' AND sub = 'bob'",
    );
    expect(Number(row.rows[0]!.updated_at)).toBe(2);
  });
});
