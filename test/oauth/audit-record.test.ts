/**
 * No decision without its record (issue 10 §5): while the audit store cannot take events, a
 * refusal is not answered as such (its event would be missing); the client gets 503
 * temporarily_unavailable with Retry-After, exactly as for an issuance, and once the store is back
 * the same request is refused again, with its event. The outage here is real: the outbox table the
 * group commit writes to is gone while clients, issuers and policy still answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/events.js';
import { salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { authorizeUrl, Browser, drive, pkce, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { authorizeParams, REDIRECT } from '../helpers/first-hop-session.js';
import type { WireResult } from '../helpers/exchange.js';

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
});
afterAll(async () => {
  await svc?.close();
});

async function outOfScope(): Promise<WireResult> {
  const subject = await svc.idp.mint(subjectClaims(svc, { groups: ['engineering'] }), { typ: 'at+jwt' });
  return salesforceExchange(svc, { subject_token: subject, scope: 'crm.write' });
}

async function refusals(): Promise<AuditEvent[]> {
  const res = await svc.db.db.query<{ event: AuditEvent }>(
    "SELECT event FROM outbox WHERE subject = 'token.refused' ORDER BY sequence",
  );
  return res.rows.map((r) => r.event);
}

describe('refusals while the audit store is down', () => {
  it('answers 503 temporarily_unavailable instead of a refusal it cannot record, and refuses again once it can', async () => {
    const before = await outOfScope();
    expect(before.status).toBe(400);
    expect(before.body).toMatchObject({ error: 'invalid_scope' });
    const recorded = (await refusals()).length;
    expect(recorded).toBe(1);

    await svc.db.db.query('ALTER TABLE outbox RENAME TO outbox_away');
    try {
      for (const res of [await outOfScope(), await outOfScope()]) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('2');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.body).toEqual({
          error: 'temporarily_unavailable',
          error_description: 'the audit log is unavailable; try again shortly',
        });
      }
      // A wrong client secret is a refusal too: it is not answered unrecorded either.
      const badSecret = await fetch(svc.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('mcp-salesforce:wrong-secret').toString('base64')}`,
        },
        body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange',
      });
      expect(badSecret.status).toBe(503);
      expect(await badSecret.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the audit log is unavailable; try again shortly',
      });
      expect(svc.logs.lines.some((l) => l.msg.startsWith('could not record a refused token request'))).toBe(
        true,
      );
    } finally {
      await svc.db.db.query('ALTER TABLE outbox_away RENAME TO outbox');
    }

    const after = await outOfScope();
    expect(after.status).toBe(400);
    expect(after.body).toMatchObject({ error: 'invalid_scope' });
    // Every refusal answered has its event; the ones answered 503 have none, and were not answered.
    const events = await refusals();
    expect(events).toHaveLength(recorded + 1);
    expect(events.map((e) => (e.data as { error?: string }).error)).toEqual([
      'invalid_scope',
      'invalid_scope',
    ]);
  });
});

describe('an authorization refusal while the audit store is down', () => {
  it('redirects with temporarily_unavailable (RFC 6749 §4.1.2.1) instead of an unrecorded access_denied', async () => {
    await svc.db.db.query('ALTER TABLE outbox RENAME TO outbox_away');
    try {
      const { location } = await drive(
        new Browser(),
        authorizeUrl(svc.issuer, authorizeParams(pkce())),
        REDIRECT,
        {
          user: 'bob',
        },
      );
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the audit log is unavailable; try again shortly',
        state: 'xyz',
        iss: svc.issuer,
      });
    } finally {
      await svc.db.db.query('ALTER TABLE outbox_away RENAME TO outbox');
    }
    const { location } = await drive(
      new Browser(),
      authorizeUrl(svc.issuer, authorizeParams(pkce())),
      REDIRECT,
      {
        user: 'bob',
      },
    );
    expect(location.searchParams.get('error')).toBe('access_denied');
  });
});
