/**
 * Whatever a request carried, its events are written and verify (issue 10 §6): hostile values in
 * the facts the protocol core reports (claims a trusted issuer signed, refusal reasons that echo a
 * parameter, an empty `sub`) never make an event unrecordable, never fail a neighbour's entry in the
 * same group commit, and never make `audit verify` report tampering that did not happen.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvents, createOutboxAudit } from '../../src/audit/outbox.js';
import { auditEventSchema } from '../../src/audit/events.js';
import { GENESIS_HASH, prepare, sealPrepared } from '../../src/audit/chain.js';
import type { AuditEntry } from '../../src/audit/port.js';
import { verifyJsonLines, verifyPostgres } from '../../src/audit/verify.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { exchangeEntry } from './fixtures.js';

const SOURCE = 'https://mandate.example';
const log = createLogger('error');

/** JSON.parse makes what no literal can: an own `__proto__` member, Infinity from `1e400`. */
const parsed = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

const HOSTILE_CLAIMS: Record<string, unknown>[] = [
  { name: 'a\u0000b', note: 'nul' },
  { name: '\ud800', other: 'x\udfffy' },
  parsed('{"big":1e400,"small":-1e400,"neg":-0,"huge":123456789012345678901234567890}'),
  parsed('{"__proto__":{"polluted":true},"constructor":"c"}'),
  { 'key\u0000with-nul': 1, '\ud800key': 2, '': 3, '~/': 4 },
  { deep: JSON.parse('['.repeat(60) + ']'.repeat(60)) as unknown },
  { long: 'z'.repeat(40_000) },
  { '\u2028': '\u2029', bom: '\uFEFF', rtl: '\u202E' },
];

function hostileEntries(): AuditEntry[] {
  const entries: AuditEntry[] = HOSTILE_CLAIMS.map((claims) => {
    const e = exchangeEntry({ allow: false });
    e.decision!.input.subject.claims = claims;
    return e;
  });
  // An empty `sub` in a token event: CloudEvents' `subject` is then the client (never "").
  const emptySub = exchangeEntry({ allow: false });
  emptySub.tokens = emptySub.tokens.map((f) => ({ ...f, sub: '' }));
  entries.push(emptySub);
  // Token facts carrying a claim of the wrong type where the event has a string or an integer (a
  // trusted issuer's numeric `sub`, an array `jti`, a fractional `exp`): masked, never recorded as
  // an event that `audit verify` would call invalid.
  entries.push({
    tokens: [
      {
        kind: 'refused',
        action: 'token_exchange',
        client_id: 42 as unknown as string,
        sub: 12345 as unknown as string,
        jti: ['a'] as unknown as string,
        exp: 1.5,
        aud: { x: 1 } as unknown as string,
        act: 'agent' as unknown as Record<string, unknown>,
        error: 'invalid_grant',
      },
    ],
  });
  // Refusals that echo what was sent (a grant_type, a client_id) into `reason`.
  for (const reason of ['grant_type \u0000', 'x\ud800', 'r'.repeat(20_000), ''])
    entries.push({
      tokens: [
        {
          kind: 'refused',
          action: 'unknown',
          claimed_client_id: 'unauthenticated',
          error: 'invalid_request',
          reason,
          sub: '',
        },
      ],
    });
  return entries;
}

describe('audit events of hostile facts', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('are all recorded, alongside honest neighbours in the same group commits, and the chain verifies', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const honest = Array.from({ length: 40 }, (_, i) => exchangeEntry({ sub: `user${i}` }));
    const hostile = hostileEntries();
    const results = await Promise.allSettled([...honest, ...hostile].map((e) => audit.commit(e)));
    await audit.close();
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const report = await verifyPostgres(t.db);
    expect(report.broken).toBeUndefined();
    expect(report).toMatchObject({ ok: true, checked: honest.length * 2 + hostile.length * 2 - 5 });

    // The same events as the JSON lines the relay writes (and JetStream carries), byte for byte.
    const rows = await t.db.query<{ body: string }>(
      'SELECT event::text AS body FROM outbox ORDER BY sequence',
    );
    const lines = rows.rows.map((r) => r.body).join('\n');
    expect(verifyJsonLines(lines)).toMatchObject({ ok: true, checked: rows.rows.length });
    for (const r of rows.rows) auditEventSchema.parse(JSON.parse(r.body));

    // What could not be represented is said to have been removed; `__proto__` stays a member.
    const texts = rows.rows.map((r) => r.body);
    expect(texts.some((x) => x.includes('"__proto__":{"polluted":true}'))).toBe(true);
    const typed = texts.find((x) => x.includes('"action":"token_exchange","client_id":"[masked]"'));
    expect(JSON.parse(typed!)).toMatchObject({
      data: { masked: ['/client_id', '/sub', '/jti', '/exp', '/aud', '/act'] },
    });
    expect(JSON.parse(typed!)).not.toHaveProperty('subject');
    const big = texts.find((x) => x.includes('"huge"'));
    expect(big).toContain('"big":null');
    expect(big).toContain('"/input/subject/claims/big"');
  });

  it('refuses an issuance record no column can hold at commit, alone, before it joins a batch', async () => {
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const honest = Array.from({ length: 20 }, (_, i) => exchangeEntry({ sub: `n${i}` }));
    const bad = [
      { ...exchangeEntry(), issued: { ...exchangeEntry().issued!, jti: 'j\u0000ti' } },
      { ...exchangeEntry(), issued: { ...exchangeEntry().issued!, sub: '\ud800' } },
      { ...exchangeEntry(), issued: { ...exchangeEntry().issued!, act: { sub: 'a\u0000' } } },
      { ...exchangeEntry(), issued: { ...exchangeEntry().issued!, exp: Number.POSITIVE_INFINITY } },
    ];
    const flushesBefore = audit.stats().flushes_total;
    const results = await Promise.allSettled([...honest, ...bad].map((e) => audit.commit(e)));
    await audit.close();
    expect(results.slice(0, honest.length).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.slice(honest.length).map((r) => r.status)).toEqual(bad.map(() => 'rejected'));
    // Refused before batching: the honest entries needed no one-by-one retry.
    expect(audit.stats().flushes_total - flushesBefore).toBeLessThan(honest.length);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('property: any JSON claims and any reason text make events that verify as written', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(text, json, { maxKeys: 6 }), text, text, (claims, reason, sub) => {
        // The decision's subject is typed before any decision (never empty); token facts may be.
        const e = exchangeEntry({ sub: sub === '' ? 'someone' : sub });
        e.decision!.input.subject.claims = claims;
        e.tokens.push({
          kind: 'refused',
          action: 'unknown',
          claimed_client_id: 'unauthenticated',
          error: 'invalid_request',
          reason,
          sub,
        });
        let prev = GENESIS_HASH;
        const lines = buildEvents(e, SOURCE).map((u, i) => {
          const s = sealPrepared(prepare(u), i + 1, prev);
          prev = s.event.hash;
          return s.text;
        });
        const report = verifyJsonLines(lines.join('\n'));
        expect(report.broken).toBeUndefined();
        expect(report.checked).toBe(lines.length);
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});
