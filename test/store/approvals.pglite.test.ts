/**
 * Deciding an approval on embedded PGlite (one connection): the record callback may use the
 * database, as the audit commit inside decideApproval does (it wrote through the outer Db and the
 * approval page hung forever); while it runs the request is claimed (no poll redeems it, no second
 * approver decides it); when it rejects nothing has changed. Real PGlite in memory, migrated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalRepo, type ApprovalRepo, type NewApproval } from '../../src/store/approvals.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';

const now = 1_764_140_000;
const bob = { sub: 'bob', iss: 'https://idp.example', groups: ['finance'] };
const carol = { sub: 'carol', iss: 'https://idp.example', groups: [] };

const request = (id: string): NewApproval => ({
  id,
  authReqIdHash: `hash-${id}`,
  clientId: 'mcp-workday',
  sub: 'alice',
  iss: 'https://idp.example',
  obligation: { binding_message: 'Time off above 5 days', ttl_seconds: 600 },
  clientBindingMessage: null,
  input: { action: 'token_exchange', now, scopes: ['hr.timeoff.write'] },
  decision: { decision_id: `d-${id}`, scopes: ['hr.timeoff.write'], ttl_seconds: 300 },
  issuance: { aud: 'https://api.workday.example' },
  createdAt: now,
  expiresAt: now + 600,
  pollInterval: 5,
});

/** Fails instead of hanging when the callback deadlocks. */
const within = <T>(p: Promise<T>, ms = 5_000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, no) => setTimeout(() => no(new Error(`no answer in ${ms} ms`)), ms))]);

describe('approvals on PGlite', () => {
  let db: Db;
  let repo: ApprovalRepo;
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    repo = createApprovalRepo(db);
  });
  afterAll(async () => db?.close());

  it('lets the record use the database, and holds the request while it runs', async () => {
    await repo.insert(request('a1'));
    let during: { issued: boolean; second: unknown; status: unknown } | undefined;
    const decided = await within(
      repo.decide('a1', 'approved', bob, now + 1, async () => {
        // What the audit commit does: a write through the outer Db.
        await db.query('SELECT 1');
        during = {
          issued: await repo.markIssued('hash-a1', now + 1),
          second: await repo.decide('a1', 'denied', carol, now + 1),
          status: (await repo.get('a1'))?.status,
        };
      }),
    );
    expect(during).toEqual({ issued: false, second: undefined, status: 'pending' });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: bob, decidedAt: now + 1 });
    expect(await repo.get('a1')).toMatchObject({ status: 'approved', decidedBy: bob });
    expect(await repo.markIssued('hash-a1', now + 2)).toBe(true);
  });

  it('changes nothing when the record rejects, and the request can be decided again', async () => {
    await repo.insert(request('a2'));
    const fail = repo.decide('a2', 'approved', bob, now + 1, async () => {
      throw new Error('audit log unavailable');
    });
    await expect(within(fail)).rejects.toThrow('audit log unavailable');
    expect(await repo.get('a2')).toMatchObject({ status: 'pending', decidedBy: null, decidedAt: null });
    expect(await repo.markIssued('hash-a2', now + 1)).toBe(false);
    expect(await repo.decide('a2', 'denied', carol, now + 2)).toMatchObject({ status: 'denied' });
  });

  it('is decided once by two concurrent approvers, and not once expired', async () => {
    await repo.insert(request('a3'));
    const both = await Promise.all([
      repo.decide('a3', 'approved', bob, now + 1, async () => undefined),
      repo.decide('a3', 'denied', carol, now + 1, async () => undefined),
    ]);
    expect(both.filter((r) => r !== undefined)).toHaveLength(1);
    await repo.insert(request('a4'));
    expect(await repo.decide('a4', 'approved', bob, now + 600)).toBeUndefined();
  });
});
