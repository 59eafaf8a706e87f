/**
 * The approval page in a real browser (Debian's Chromium, headless, driven by playwright-core): a
 * token exchange the policy wants approved waits at /bc-authorize; alice opens the approval page,
 * signs in at the development IdP, sees who asks, for whom, for what and why, and approves; the MCP
 * server's poll then gets exactly the token asked for. A denial gives access_denied; bob, neither
 * the subject nor an approver, sees nothing; a form without the session's CSRF token is refused.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, subjectClaims } from '../helpers/exchange.js';
import { PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { buildBundle, tempDir, writePolicy } from '../policy/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CIBA = 'urn:openid:params:grant-type:ciba';
const POLICY = `package mcp.authz

decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300,
  "reasons": [{"code": "write_needs_approval", "message": "CRM writes need the user's approval"}],
  "obligations": {"require_approval": {"binding_message": "Update the Acme opportunity to Closed Won", "ttl_seconds": 300}}}
`;

describe.runIf(existsSync(CHROMIUM) || process.env.CI === 'true')(
  'the approval page in headless Chromium',
  () => {
    let svc: TestService;
    let browser: Browser;
    beforeAll(async () => {
      const bundle = await buildBundle(join(tempDir(), 'approval.tar.gz'), { src: writePolicy(POLICY) });
      svc = await startTestService({
        clients: [PUBLIC_CLIENT],
        resources: RESOURCES,
        env: { MANDATE_POLICY_BUNDLE: bundle },
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await svc?.close();
    });

    const sfAuth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };
    async function ask(): Promise<{ authReqId: string; page: string }> {
      const token = await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' });
      const res = await post(
        `${svc.issuer}/bc-authorize`,
        form({
          login_hint_token: token,
          resource: API.salesforce,
          scope: 'crm.write',
          binding_message: 'ticket 42',
        }),
        sfAuth,
      );
      expect(res.status).toBe(200);
      const authReqId = res.body.auth_req_id as string;
      const hash = createHash('sha256').update(authReqId).digest('base64url');
      const row = await svc.db.db.query<{ id: string }>(
        'SELECT id FROM approvals WHERE auth_req_id_hash = $1',
        [hash],
      );
      return { authReqId, page: `${svc.issuer}/approvals/${row.rows[0]!.id}` };
    }
    const poll = (authReqId: string) =>
      post(svc.tokenEndpoint, form({ grant_type: CIBA, auth_req_id: authReqId }), sfAuth);

    async function signIn(page: Page, url: string, user: string, password: string): Promise<void> {
      await page.goto(url);
      expect(await page.title()).toBe('Sign in · Mandate development IdP');
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(url, { timeout: 15_000 });
    }

    it('alice signs in, sees who asks for what and why, approves; the poll gets exactly that token', async () => {
      const { authReqId, page: url } = await ask();
      expect((await poll(authReqId)).body).toMatchObject({ error: 'authorization_pending' });
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, url, 'alice', 'alice-demo');
      expect(await page.title()).toBe('Approve a request · Mandate');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Update the Acme opportunity to Closed Won',
      );
      const text = await page.locator('main').innerText();
      for (const s of [
        'alice',
        'mcp-salesforce',
        'claude-desktop',
        API.salesforce,
        'crm.write',
        'ticket 42',
        "CRM writes need the user's approval",
      ])
        expect(text).toContain(s);
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 15_000 })
        .toBe('The request is approved; the agent can continue.');
      await context.close();

      const issued = await poll(authReqId);
      expect(issued.status).toBe(200);
      expect(decodeJwt(issued.body.access_token as string)).toMatchObject({
        sub: 'alice',
        aud: API.salesforce,
        scope: 'crm.write',
        act: { sub: 'mcp-salesforce' },
      });
      expect((await poll(authReqId)).body).toMatchObject({ error: 'invalid_grant' });
      const events = await svc.db.db.query<{ type: string; approver: string | null }>(
        `SELECT event->>'type' AS type, event->'data'->>'approver' AS approver FROM outbox
       WHERE event->'data'->>'approval_id' = $1 ORDER BY sequence`,
        [url.split('/').pop()],
      );
      expect(events.rows).toEqual([
        { type: 'dev.mandate.token.approval_requested', approver: null },
        { type: 'dev.mandate.token.approved', approver: 'alice' },
        { type: 'dev.mandate.token.issued', approver: 'alice' },
      ]);
    });

    it('alice denies: access_denied for the poller', async () => {
      const { authReqId, page: url } = await ask();
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, url, 'alice', 'alice-demo');
      await page.getByRole('button', { name: 'Deny' }).click();
      await expect
        .poll(() => page.getByRole('status').textContent(), { timeout: 15_000 })
        .toBe('The request is denied; the agent is told so.');
      await context.close();
      expect((await poll(authReqId)).body).toEqual({
        error: 'access_denied',
        error_description: 'the request was denied',
      });
    });

    it('bob, neither the subject nor an approver, sees nothing of it; a forged form is refused', async () => {
      const { authReqId, page: url } = await ask();
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, url, 'bob', 'bob-demo').catch(() => undefined);
      const res = await page.goto(url);
      expect(res?.status()).toBe(404);
      expect(await page.locator('main').innerText()).not.toContain('Acme');
      // A form posted with bob's session but no CSRF token (as another site would) is refused.
      const forged = await page.request.post(url, { form: { decision: 'approve' } });
      expect(forged.status()).toBe(403);
      await context.close();
      expect((await poll(authReqId)).body).toMatchObject({ error: 'authorization_pending' });
    });
  },
);
