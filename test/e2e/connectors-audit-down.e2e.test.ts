/**
 * No downstream token leaves Mandate without its audit record (issue 16 §4, docs/connectors.md
 * "What the audit shows"): with the outbox unwritable (its table renamed on the real Postgres, a
 * real failure of the real audit writer), a connector-backed exchange whose token Salesforce's
 * emulator did issue is answered 503 `temporarily_unavailable` with `Retry-After`, and the body
 * carries no token. With the outbox back, the next exchange is answered, with its event, and the
 * audit chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../examples/apis/salesforce-login.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import type { TestService } from '../helpers/service.js';
import { startConnectorStack, type ConnectorStack } from './connector-stack.js';

describe('a connector-backed exchange when the audit log cannot take its event', () => {
  let stack: ConnectorStack | undefined;
  let emu: SalesforceEmulator;
  let svc: TestService;

  beforeAll(async () => {
    stack = await startConnectorStack({
      name: 'audit-down',
      users: { alice: { approved: true, userId: '0055e000001AliceAAA' } },
    });
    ({ emu, svc } = stack);
  }, 60_000);
  afterAll(async () => {
    await stack?.svc.db.db.query('ALTER TABLE IF EXISTS outbox_away RENAME TO outbox').catch(() => {});
    await stack?.close();
  });

  const exchange = async () =>
    salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });

  it('answers 503 with no token while the outbox is unwritable, and the token with its event after', async () => {
    await svc.db.db.query('ALTER TABLE outbox RENAME TO outbox_away');
    const down = await exchange();
    expect(emu.issued).toHaveLength(1); // Salesforce did issue it
    expect(down.status, down.text).toBe(503);
    expect(down.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the audit log is unavailable; try again shortly',
    });
    expect(down.headers.get('retry-after')).toBe('2');
    expect(down.text).not.toContain(emu.issued[0]!.token);

    await svc.db.db.query('ALTER TABLE outbox_away RENAME TO outbox');
    const up = await exchange();
    expect(up.status, up.text).toBe(200);
    const { rows } = await svc.db.db.query<{ event: { data: { downstream?: unknown } } }>(
      "SELECT event FROM outbox WHERE subject LIKE '%token.issued'",
    );
    expect(rows.map((r) => r.event.data.downstream)).toEqual([
      expect.objectContaining({ service: 'salesforce', subject: 'alice@acme.example' }),
    ]);
    const report = await verifyPostgres(svc.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
  });
});
