/**
 * Nothing half-written (issue 17 §1, ADR 0014): an approval and its audit event are one unit.
 * While the audit store cannot take events (the outbox table the group commit writes to is gone,
 * for real, in real Postgres), an approver's decision on the page answers 503 and the request stays
 * pending: the poller still gets authorization_pending, and no approval event exists. Once the
 * store is back, the same approver approves, the event is written, and the poll gets its token.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  formAction,
  hiddenFields,
  PASSWORDS,
  PUBLIC_CLIENT,
  RESOURCES,
} from '../../helpers/browser.js';
import { post, subjectClaims } from '../../helpers/exchange.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';

const CIBA = 'urn:openid:params:grant-type:ciba';
const POLICY = `package mcp.authz

decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": [],
  "obligations": {"require_approval": {"binding_message": "Close the Acme deal", "ttl_seconds": 300}}}
`;

let svc: TestService;
beforeAll(async () => {
  const bundle = await buildBundle(join(tempDir(), 'approval.tar.gz'), { src: writePolicy(POLICY) });
  svc = await startTestService({
    clients: [PUBLIC_CLIENT],
    resources: RESOURCES,
    env: { MANDATE_POLICY_BUNDLE: bundle },
  });
}, 120_000);
afterAll(async () => svc?.close());

const sfAuth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };
const poll = (authReqId: string) =>
  post(svc.tokenEndpoint, form({ grant_type: CIBA, auth_req_id: authReqId }), sfAuth);

async function ask(): Promise<{ authReqId: string; id: string }> {
  const token = await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' });
  const res = await post(
    `${svc.issuer}/bc-authorize`,
    form({ login_hint_token: token, resource: API.salesforce, scope: 'crm.write' }),
    sfAuth,
  );
  expect(res.status).toBe(200);
  const authReqId = res.body.auth_req_id as string;
  const hash = createHash('sha256').update(authReqId).digest('base64url');
  const row = await svc.db.db.query<{ id: string }>('SELECT id FROM approvals WHERE auth_req_id_hash = $1', [
    hash,
  ]);
  return { authReqId, id: row.rows[0]!.id };
}

/** Opens the approval page as alice, signing in at the development IdP; returns the page's HTML. */
async function openAsAlice(browser: Browser, url: string): Promise<string> {
  let res = await browser.fetch(url);
  let at = url;
  for (let hops = 0; hops < 20; hops++) {
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc !== null) {
      at = new URL(loc, at).href;
      res = await browser.fetch(at);
      continue;
    }
    const body = await res.text();
    if (!body.includes('name="password"')) return body;
    at = formAction(body, at);
    res = await browser.post(at, { username: 'alice', password: PASSWORDS.alice! });
  }
  throw new Error('too many redirects');
}

async function approvalEvents(id: string): Promise<string[]> {
  const res = await svc.db.db.query<{ type: string }>(
    `SELECT event->>'type' AS type FROM outbox WHERE event->'data'->>'approval_id' = $1 ORDER BY sequence`,
    [id],
  );
  return res.rows.map((r) => r.type);
}

describe('an approval while the audit store is down', () => {
  it('is not recorded: 503, still pending, no event; once the store is back it is approved and audited', async () => {
    const { authReqId, id } = await ask();
    const url = `${svc.issuer}/approvals/${id}`;
    const browser = new Browser();
    const page = await openAsAlice(browser, url);
    expect(page).toContain('Close the Acme deal');
    const approve = { ...hiddenFields(page), decision: 'approve' };

    await svc.db.db.query('ALTER TABLE outbox RENAME TO outbox_away');
    try {
      const res = await browser.post(formAction(page, url), approve);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.text()).toContain('nothing was decided');
    } finally {
      await svc.db.db.query('ALTER TABLE outbox_away RENAME TO outbox');
    }
    const row = await svc.db.db.query<{ status: string; decided_by: unknown }>(
      'SELECT status, decided_by FROM approvals WHERE id = $1',
      [id],
    );
    expect(row.rows[0]).toEqual({ status: 'pending', decided_by: null });
    expect(await approvalEvents(id)).toEqual(['dev.mandate.token.approval_requested']);
    expect((await poll(authReqId)).body).toMatchObject({ error: 'authorization_pending' });

    const again = await browser.post(formAction(page, url), approve);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('The request is approved');
    expect(await approvalEvents(id)).toEqual([
      'dev.mandate.token.approval_requested',
      'dev.mandate.token.approved',
    ]);
    const issued = await poll(authReqId);
    expect(issued.status).toBe(200);
    expect(await approvalEvents(id)).toEqual([
      'dev.mandate.token.approval_requested',
      'dev.mandate.token.approved',
      'dev.mandate.token.issued',
    ]);
  });

  it('a denial is not recorded either while the store is down', async () => {
    const { authReqId, id } = await ask();
    const url = `${svc.issuer}/approvals/${id}`;
    const browser = new Browser();
    const page = await openAsAlice(browser, url);
    await svc.db.db.query('ALTER TABLE outbox RENAME TO outbox_away');
    try {
      const res = await browser.post(formAction(page, url), { ...hiddenFields(page), decision: 'deny' });
      expect(res.status).toBe(503);
    } finally {
      await svc.db.db.query('ALTER TABLE outbox_away RENAME TO outbox');
    }
    expect(await approvalEvents(id)).toEqual(['dev.mandate.token.approval_requested']);
    expect((await poll(authReqId)).body).toMatchObject({ error: 'authorization_pending' });
  });
});
