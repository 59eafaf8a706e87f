import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalRepo, type ApprovalRepo, type NewApproval } from '../../src/store/approvals.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const now = 1_764_140_000;
const bob = { sub: 'bob', iss: 'https://idp.example', groups: ['finance'] };

function request(id: string, over: Partial<NewApproval> = {}): NewApproval {
  return {
    id,
    authReqIdHash: `hash-${id}`,
    clientId: 'mcp-workday',
    sub: 'alice',
    iss: 'https://idp.example',
    obligation: { binding_message: 'Raise above 5000', ttl_seconds: 600 },
    clientBindingMessage: null,
    input: { action: 'token_exchange', now, scopes: ['hr.write'], context: { arguments: { amount: 9000 } } },
    decision: { decision_id: `d-${id}`, scopes: ['hr.write'], ttl_seconds: 300 },
    issuance: { aud: 'https://api.workday.example', act: { sub: 'mcp-workday' } },
    createdAt: now,
    expiresAt: now + 600,
    pollInterval: 5,
    ...over,
  };
}

describe('approvals', () => {
  let t: TestDatabase;
  let repo: ApprovalRepo;
  beforeAll(async () => {
    t = await createTestDatabase();
    repo = createApprovalRepo(t.db);
  });
  afterAll(async () => t?.drop());

  it('keeps the whole decision input, decision and issuance as they were written', async () => {
    const r = request('a1', { clientBindingMessage: 'ticket 42' });
    await repo.insert(r);
    expect(await repo.get('a1')).toEqual({
      ...r,
      status: 'pending',
      lastPolledAt: null,
      decidedBy: null,
      decidedAt: null,
      issuedAt: null,
    });
    expect(await repo.get('nope')).toBeUndefined();
  });

  it('refuses a second request with the same auth_req_id', async () => {
    await repo.insert(request('dup-1', { authReqIdHash: 'same' }));
    await expect(repo.insert(request('dup-2', { authReqIdHash: 'same' }))).rejects.toThrow();
  });

  it('is decided once: of two concurrent approvers exactly one wins, and a denial cannot follow', async () => {
    await repo.insert(request('race'));
    const carol = { sub: 'carol', iss: 'https://idp.example', groups: [] };
    const [x, y] = await Promise.all([
      repo.decide('race', 'approved', bob, now + 1),
      repo.decide('race', 'denied', carol, now + 1),
    ]);
    expect([x, y].filter((r) => r !== undefined)).toHaveLength(1);
    const won = (x ?? y)!;
    expect(won.decidedAt).toBe(now + 1);
    expect(await repo.decide('race', 'denied', carol, now + 2)).toBeUndefined();
    expect((await repo.get('race'))!.status).toBe(won.status);
  });

  it('cannot be decided once expired', async () => {
    await repo.insert(request('late'));
    expect(await repo.decide('late', 'approved', bob, now + 600)).toBeUndefined();
    expect((await repo.get('late'))!.status).toBe('pending');
  });

  it('raises the interval by 5 s for a pending request polled too soon, and for every later poll', async () => {
    await repo.insert(request('p1'));
    expect(await repo.poll('hash-p1', now + 5)).toMatchObject({
      tooFast: false,
      approval: { pollInterval: 5 },
    });
    expect(await repo.poll('hash-p1', now + 7)).toMatchObject({
      tooFast: true,
      approval: { pollInterval: 10, lastPolledAt: now + 7 },
    });
    // The raised interval counts from the last poll: 7 + 10.
    expect(await repo.poll('hash-p1', now + 16)).toMatchObject({
      tooFast: true,
      approval: { pollInterval: 15 },
    });
    expect(await repo.poll('hash-p1', now + 31)).toMatchObject({
      tooFast: false,
      approval: { pollInterval: 15 },
    });
    expect(await repo.poll('unknown', now)).toBeUndefined();
  });

  it('answers an approved request polled early at once', async () => {
    await repo.insert(request('p2'));
    await repo.poll('hash-p2', now + 1);
    await repo.decide('p2', 'approved', bob, now + 2);
    expect(await repo.poll('hash-p2', now + 2)).toMatchObject({
      tooFast: false,
      approval: { status: 'approved' },
    });
  });

  it('issues once: only an approved, unexpired request, and only one of two concurrent polls', async () => {
    await repo.insert(request('i1'));
    expect(await repo.markIssued('hash-i1', now + 1)).toBe(false); // pending
    await repo.decide('i1', 'approved', bob, now + 1);
    const both = await Promise.all([
      repo.markIssued('hash-i1', now + 2),
      repo.markIssued('hash-i1', now + 2),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await repo.markIssued('hash-i1', now + 3)).toBe(false);
    expect(await repo.get('i1')).toMatchObject({ status: 'issued', issuedAt: now + 2, decidedBy: bob });

    await repo.insert(request('i2'));
    await repo.decide('i2', 'denied', bob, now + 1);
    expect(await repo.markIssued('hash-i2', now + 2)).toBe(false);
    await repo.insert(request('i3'));
    await repo.decide('i3', 'approved', bob, now + 1);
    expect(await repo.markIssued('hash-i3', now + 600)).toBe(false); // expired
  });

  it("lists a subject's pending, unexpired requests, newest first", async () => {
    const db = await createTestDatabase();
    try {
      const r = createApprovalRepo(db.db);
      await r.insert(request('old', { createdAt: now - 10 }));
      await r.insert(request('new', { createdAt: now }));
      await r.insert(request('gone', { expiresAt: now }));
      await r.insert(request('other', { sub: 'bob' }));
      await r.insert(request('done'));
      await r.decide('done', 'denied', bob, now);
      expect((await r.pendingFor('https://idp.example', 'alice', now)).map((a) => a.id)).toEqual([
        'new',
        'old',
      ]);
    } finally {
      await db.drop();
    }
  });
});
