/**
 * The user's browser, headless: follows redirects with a cookie jar per host, fills the development
 * IdP's login form and approves the consent page, and stops at the redirect back to the AI client
 * (RFC 6749 §4.1.2), returning the authorization response's parameters.
 */

import { Browser, firstForm, type Page } from '../lib/browser.js';

export class HeadlessBrowser {
  /** One cookie jar per user: a user who logged in once is not asked again. */
  private readonly browser = new Browser();

  /** What the user saw, for the story: "login", "consent". */
  readonly steps: string[] = [];

  /**
   * Opens the authorization URL, signs in as `user` when asked, approves when asked, and returns
   * the parameters of the redirect to `redirectUri` (`code`, `state`, `iss`), having checked
   * `state` and RFC 9207 `iss`.
   */
  async authorize(
    authorizationUrl: URL,
    user: { username: string; password: string },
    redirectUri: string,
    expect: { state?: string; issuer: string },
  ): Promise<URLSearchParams> {
    const stopAt = (url: string) => url.startsWith(redirectUri);
    let at = await this.browser.go(authorizationUrl.href, { stopAt });
    for (let step = 0; step < 5 && !('redirect' in at); step++) {
      const page: Page = at;
      if (/name="password"/.test(page.html)) {
        this.steps.push('login');
        at = await this.browser.submit(firstForm(page), { ...user }, stopAt);
      } else if (/name="decision"/.test(page.html)) {
        this.steps.push('consent');
        at = await this.browser.submit(firstForm(page), { decision: 'approve' }, stopAt);
      } else throw new Error(`unexpected page ${page.url} (HTTP ${page.status})`);
    }
    if (!('redirect' in at)) throw new Error('the authorization did not return to the client');
    const back = new URL(at.redirect);
    const error = back.searchParams.get('error');
    if (error !== null)
      throw new Error(`authorization refused: ${error}: ${back.searchParams.get('error_description')}`);
    if (back.searchParams.get('iss') !== expect.issuer)
      throw new Error('authorization response from another issuer');
    if (expect.state !== undefined && back.searchParams.get('state') !== expect.state)
      throw new Error('authorization response with another state');
    if (back.searchParams.get('code') === null) throw new Error('no code in the authorization response');
    return back.searchParams;
  }

  /**
   * Opens an approval page (ADR 0014) as `user`, signing in first if the session is gone, and
   * presses `decision`; returns what the page asked (its heading) and what it answered.
   */
  async decideApproval(
    pageUrl: string,
    user: { username: string; password: string },
    decision: 'approve' | 'deny',
  ): Promise<{ asked: string; answer: string; status: number }> {
    let at = await this.browser.go(pageUrl);
    for (let step = 0; step < 3 && !('redirect' in at) && /name="password"/.test(at.html); step++)
      at = await this.browser.submit(firstForm(at), { ...user });
    if ('redirect' in at || !/name="decision"/.test(at.html))
      throw new Error(`no approval form at ${pageUrl}`);
    const asked = heading(at.html);
    const done = await this.browser.submit(firstForm(at), { decision });
    if ('redirect' in done) throw new Error('the approval page redirected away');
    return { asked, answer: heading(done.html), status: done.status };
  }
}

/** A page's first heading, as text. */
function heading(html: string): string {
  return (/<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? '').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, '&');
}
