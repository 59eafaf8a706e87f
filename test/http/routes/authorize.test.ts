// The first hop's browser routes over real HTTP: GET and POST /authorize (302 after GET, 303 after
// POST, RFC 9700 §4.11), refusals as pages with the page headers (never a redirect when nothing is
// verified), the consent form's target, and the IdP's redirect back refused as a page.
import { describe, expect, it } from 'vitest';
import { authorizeUrl, Browser, pkce } from '../../helpers/browser.js';
import { authorizeParams, REDIRECT, useFirstHop } from '../../helpers/first-hop-session.js';
import { form } from '../../helpers/service.js';

const now = () => Math.floor(Date.now() / 1000);

function expectPage(res: Response): void {
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
}

describe('authorize routes', () => {
  const fh = useFirstHop(now);

  it('GET /authorize redirects a logged-in, consented browser with 302 and no-store', async () => {
    const res = await fh.browser.fetch(authorizeUrl(fh.svc.issuer, authorizeParams(pkce())));
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('xyz');
    expect(loc.searchParams.get('code')).toMatch(/.+/);
  });

  it('POST /authorize takes the same parameters as a form and redirects with 303', async () => {
    const res = await fh.browser.post(
      `${fh.svc.issuer}/authorize`,
      authorizeParams(pkce()) as Record<string, string>,
    );
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('iss')).toBe(fh.svc.issuer);
  });

  it('sends a browser without a session to log in, setting its cookies', async () => {
    const b = new Browser();
    const res = await b.fetch(authorizeUrl(fh.svc.issuer, authorizeParams(pkce())));
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(res.headers.get('location')!.startsWith(REDIRECT)).toBe(false);
  });

  it('shows a page, not a redirect, for parameters that cannot be read', async () => {
    const res = await fh.browser.fetch(
      `${fh.svc.issuer}/authorize?client_id=a&client_id=b&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(res.status).toBe(400);
    expectPage(res);
    expect(await res.text()).toContain('invalid_request');
    const broken = await fh.browser.fetch(`${fh.svc.issuer}/authorize?client_id=%ZZ`);
    expect(broken.status).toBe(400);
    expectPage(broken);
  });

  it('shows an unknown client as a page', async () => {
    const res = await fh.browser.fetch(
      authorizeUrl(fh.svc.issuer, authorizeParams(pkce(), { client_id: 'nobody' })),
    );
    expect(res.status).toBe(400);
    expectPage(res);
  });

  it('refuses a consent form without its session and CSRF token as a page', async () => {
    const res = await new Browser().post(`${fh.svc.issuer}/consent`, { decision: 'approve', request: 'x' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectPage(res);
  });

  it('refuses a consent body that is not a form as a page', async () => {
    const res = await fetch(`${fh.svc.issuer}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ a: '1' }) + '&%ZZ',
    });
    expect(res.status).toBe(400);
    expectPage(res);
  });

  it('refuses a login callback it did not start with access_denied as a page', async () => {
    const res = await fetch(`${fh.svc.issuer}/login/callback?code=forged&state=forged`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expectPage(res);
    expect(await res.text()).toContain('access_denied');
  });
});
