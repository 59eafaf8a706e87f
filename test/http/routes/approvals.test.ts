// GET and POST /approvals/<id> (ADR 0014) over real HTTP with a real login through the dev IdP:
// a browser without a session is sent to log in and back; the page names the request and carries
// a CSRF token; a decision needs that token, is taken once (409 after), and an unknown or malformed
// id is a 404 page that tells nothing.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { Browser, drive, hiddenFields } from '../../helpers/browser.js';
import type { TestService } from '../../helpers/service.js';
import { approvalIdOf, askApproval, startApprovalService } from './approval-setup.js';

let svc: TestService;
let browser: Browser;
let approvalUrl: string;

beforeAll(async () => {
  svc = await startApprovalService();
  const started = await askApproval(svc);
  approvalUrl = `${svc.issuer}/approvals/${await approvalIdOf(svc, String(started.body.auth_req_id))}`;
  browser = new Browser();
  // Not logged in: the page sends the browser through the IdP and back to itself.
  await drive(browser, approvalUrl, approvalUrl, { user: 'alice' });
}, 120_000);
afterAll(async () => svc?.close());

const pageOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.text();
};

describe('approval routes', () => {
  it('sends a browser without a session to log in, never cached', async () => {
    const res = await new Browser().fetch(approvalUrl);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('location')).not.toContain('/approvals/');
  });

  it('shows the logged-in approver the request with its binding message and a CSRF token', async () => {
    const res = await browser.fetch(approvalUrl);
    expect(res.status).toBe(200);
    const html = await pageOf(res);
    expect(html).toContain('alice asks to write to the CRM');
    expect(hiddenFields(html).csrf).toMatch(/.+/);
  });

  it('answers a malformed or unknown id with the same 404 page', async () => {
    for (const id of ['not*valid', 'x'.repeat(65), 'unknown-id']) {
      const res = await browser.fetch(`${svc.issuer}/approvals/${id}`);
      expect(res.status, id).toBe(404);
      expect(await pageOf(res)).toContain('there is no such request for you to see');
    }
  });

  it('refuses a decision without the CSRF token, or from another session, with 403', async () => {
    const res = await browser.post(approvalUrl, { decision: 'approve' });
    expect(res.status).toBe(403);
    expect(await pageOf(res)).toContain('this form has expired or was not sent from the approval page');
    const page = await (await browser.fetch(approvalUrl)).text();
    const stranger = await new Browser().post(approvalUrl, { ...hiddenFields(page), decision: 'approve' });
    expect(stranger.status).toBe(403);
  });

  it('refuses a choice other than approve or deny with 400', async () => {
    const page = await (await browser.fetch(approvalUrl)).text();
    const res = await browser.post(approvalUrl, { ...hiddenFields(page), decision: 'maybe' });
    expect(res.status).toBe(400);
    expect(await pageOf(res)).toContain('choose approve or deny');
  });

  it('records the decision once: approved, then 409 for a second decision', async () => {
    const page = await (await browser.fetch(approvalUrl)).text();
    const fields = hiddenFields(page);
    const res = await browser.post(approvalUrl, { ...fields, decision: 'approve' });
    expect(res.status).toBe(200);
    await pageOf(res);
    const again = await browser.post(approvalUrl, { ...fields, decision: 'deny' });
    expect(again.status).toBe(409);
    expect(await pageOf(again)).toContain('this request was already decided or has expired');
  });
});
