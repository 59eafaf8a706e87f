import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { auditEventSchema } from '../../src/audit/events.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { openPostgres } from '../../src/store/pg.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { assertNoSecrets, exchangeEntry, secrets } from './fixtures.js';

const log = createLogger('error');
const SOURCE = 'https://mandate.example';

async function events(t: TestDatabase): Promise<AuditEvent[]> {
  const res = await t.db.query<{ event: AuditEvent }>('SELECT event FROM outbox ORDER BY sequence');
  return res.rows.map((r) => r.event);
}

describe('outbox audit (group commit)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    // The masking scan: no raw credential handed to the port appears in any stored event.
    const all = await events(t);
    expect(secrets.size).toBeGreaterThan(0);
    expect(assertNoSecrets(all.map((e) => JSON.stringify(e)))).toBe(all.length);
    await t.drop();
  });

  it('writes one decision event and, when allowed, one token event with matching ids, in order', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const entries = Array.from({ length: 300 }, (_, i) =>
      exchangeEntry({ allow: i % 3 !== 0, sub: `user${i}` }),
    );
    await Promise.all(entries.map((e) => audit.commit(e)));
    // Concurrent commits share transactions: fewer flushes than entries.
    expect(audit.stats().flushes_total).toBeLessThan(entries.length);
    expect(audit.stats().committed_total).toBe(300);
    await audit.close();

    const stored = await events(t);
    expect(stored).toHaveLength(600);
    stored.forEach((e, i) => {
      auditEventSchema.parse(e);
      expect(Number(e.sequence)).toBe(i + 1);
    });
    const byDecision = new Map(entries.map((e) => [e.decisionId, e]));
    for (let i = 0; i < stored.length; i += 2) {
      const d = stored[i]!;
      const tok = stored[i + 1]!;
      expect(d.type).toBe('dev.mandate.decision');
      if (d.type !== 'dev.mandate.decision' || tok.type === 'dev.mandate.decision') throw new Error('order');
      const entry = byDecision.get(d.data.decision_id)!;
      expect(entry).toBeDefined();
      expect(tok.data.decision_id).toBe(d.data.decision_id);
      expect(tok.prevhash).toBe(d.hash);
      expect(d.subject).toBe(entry.decision!.input.subject.sub);
      if (entry.issued) {
        expect(tok.type).toBe('dev.mandate.token.issued');
        expect(tok.data.jti).toBe(entry.jti);
        expect(tok.data.cnf_jkt).toBe(entry.issued.cnf_jkt);
      } else {
        expect(tok.type).toBe('dev.mandate.token.refused');
        expect(tok.data.jti).toBeUndefined();
      }
    }
    const issued = await t.db.query<{ jti: string; decision_id: string }>(
      'SELECT jti, decision_id FROM issued_tokens',
    );
    expect(issued.rowCount).toBe(200);
    for (const r of issued.rows) expect(byDecision.get(r.decision_id)?.jti).toBe(r.jti);
    const head = await t.db.query<{ sequence: number; hash: string }>(
      'SELECT sequence, hash FROM audit_chain_head',
    );
    expect(head.rows[0]).toEqual({ sequence: 600, hash: stored[599]!.hash });
  });

  it('masks credentials but keeps jti and key thumbprints', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const entry = exchangeEntry();
    await audit.commit(entry);
    await audit.close();
    const res = await t.db.query<{ event: AuditEvent }>(
      `SELECT event FROM outbox WHERE event->'data'->>'decision_id' = $1 ORDER BY sequence`,
      [entry.decisionId],
    );
    const [d, tok] = res.rows.map((r) => r.event);
    if (d?.type !== 'dev.mandate.decision') throw new Error('expected a decision event');
    expect(d.data.masked).toEqual([
      '/input/subject/claims/subject_token',
      '/input/subject/claims/upstream',
      '/result/debug/client_secret',
    ]);
    expect(d.data.input.subject.claims).toEqual({
      email: 'alice@example.com',
      subject_token: '[masked]',
      upstream: '[masked]',
    });
    expect(d.data.input.context.dpop_jkt).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(d.data.bundles).toEqual({ policy: entry.decision!.decision.bundle });
    expect(tok?.data).toMatchObject({ jti: entry.jti, cnf_jkt: entry.issued!.cnf_jkt });
  });

  it('a failed transaction writes neither token nor event, and does not fail its neighbours', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const first = exchangeEntry();
    await audit.commit(first);
    const before = (await events(t)).length;

    // Same jti as an issued token: the issuance insert fails inside the batch transaction.
    const clash = exchangeEntry();
    clash.issued = { ...clash.issued!, jti: first.jti };
    const good = Array.from({ length: 20 }, () => exchangeEntry());
    const results = await Promise.allSettled(
      [...good.slice(0, 10), clash, ...good.slice(10)].map((e) => audit.commit(e)),
    );
    await audit.close();

    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[10]!.status).toBe('rejected');
    const after = await events(t);
    expect(after.length - before).toBe(40);
    const ids = after.map((e) => (e.data as { decision_id?: string }).decision_id);
    expect(ids).not.toContain(clash.decisionId);
    for (const g of good) expect(ids.filter((id) => id === g.decisionId)).toHaveLength(2);
    const tokens = await t.db.query('SELECT decision_id FROM issued_tokens WHERE jti = $1', [first.jti]);
    expect(tokens.rows).toEqual([{ decision_id: first.decisionId }]);
    // The chain stays gap-free: the refused entry's sequences were never taken.
    after.forEach((e, i) => expect(Number(e.sequence)).toBe(i + 1));
  });

  it('two instances writing at once share one gap-free chain', async () => {
    const db2 = await openPostgres(t.url, { max: 4 });
    try {
      const a = createOutboxAudit({ db: t.db, source: SOURCE, log });
      const b = createOutboxAudit({ db: db2, source: SOURCE, log });
      const before = (await events(t)).length;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).commit(exchangeEntry({ allow: i % 5 !== 0 }))),
      );
      await Promise.all([a.close(), b.close()]);
      const after = await events(t);
      expect(after.length - before).toBe(400);
      after.forEach((e, i) => {
        expect(Number(e.sequence)).toBe(i + 1);
        if (i > 0) expect(e.prevhash).toBe(after[i - 1]!.hash);
      });
    } finally {
      await db2.close();
    }
  });

  it("counts the commits that found another instance's head (sealed again) in its stats", async () => {
    const db2 = await openPostgres(t.url, { max: 2 });
    try {
      const a = createOutboxAudit({ db: t.db, source: SOURCE, log });
      const b = createOutboxAudit({ db: db2, source: SOURCE, log });
      await a.commit(exchangeEntry()); // a remembers the head it left
      await b.commit(exchangeEntry()); // b reads the head, then moves it
      await a.commit(exchangeEntry()); // a's remembered head is stale: one conflict, then written
      expect(a.stats()).toMatchObject({ flushes_total: 2, conflicts_total: 1, locked_total: 0 });
      expect(b.stats()).toMatchObject({ flushes_total: 1, conflicts_total: 0, locked_total: 0 });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await db2.close();
    }
  });

  it('refuses commits after close', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    await audit.close();
    await expect(audit.commit(exchangeEntry())).rejects.toThrow('audit outbox is closed');
  });
});
