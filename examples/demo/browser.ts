/**
 * The user's browser, headless: follows redirects with a cookie jar per host, fills the development
 * IdP's login form and approves the consent page, and stops at the redirect back to the AI client
 * (RFC 6749 §4.1.2), returning the authorization code.
 */

interface Page {
  url: string;
  status: number;
  html: string;
}

const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  );
const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];

/** The first form of a page: its action and hidden fields. */
function firstForm(page: Page): { action: string; fields: Record<string, string> } {
  const open = /<form\b[^>]*>/i.exec(page.html);
  if (open === null) throw new Error(`no form on ${page.url} (HTTP ${page.status})`);
  const end = page.html.indexOf('</form>', open.index);
  const body = page.html.slice(open.index, end === -1 ? undefined : end);
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    if (name !== undefined && attr(m[0], 'type') === 'hidden')
      fields[name] = decode(attr(m[0], 'value') ?? '');
  }
  return { action: new URL(decode(attr(open[0], 'action') ?? page.url), page.url).href, fields };
}

export class HeadlessBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** What the user saw, for the story: "login", "consent". */
  readonly steps: string[] = [];

  private remember(url: string, res: Response): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) cookies.delete(pair.slice(0, eq).trim());
      else cookies.set(pair.slice(0, eq).trim(), value);
    }
    this.jar.set(host, cookies);
  }

  private async go(
    url: string,
    form?: Record<string, string>,
    stopAt?: string,
  ): Promise<Page | { redirect: string }> {
    let current = url;
    let method = form === undefined ? 'GET' : 'POST';
    let body = form === undefined ? undefined : new URLSearchParams(form).toString();
    for (let hops = 0; hops < 20; hops++) {
      const cookies = this.jar.get(new URL(current).host);
      const headers: Record<string, string> = { accept: 'text/html' };
      if (cookies !== undefined && cookies.size > 0)
        headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.remember(current, res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        const next = new URL(location, current).href;
        if (stopAt !== undefined && next.startsWith(stopAt)) return { redirect: next };
        current = next;
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { url: current, status: res.status, html: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Opens the authorization URL, signs in as `user` when asked, approves when asked, and returns
   * the code from the redirect to `redirectUri` (checking `state` and RFC 9207 `iss`).
   */
  async authorize(
    authorizationUrl: URL,
    user: { username: string; password: string },
    redirectUri: string,
    expect: { state?: string; issuer: string },
  ): Promise<string> {
    let at = await this.go(authorizationUrl.href, undefined, redirectUri);
    for (let step = 0; step < 5 && !('redirect' in at); step++) {
      const page: Page = at;
      if (/name="password"/.test(page.html)) {
        this.steps.push('login');
        at = await this.go(firstForm(page).action, { ...firstForm(page).fields, ...user }, redirectUri);
      } else if (/name="decision"/.test(page.html)) {
        this.steps.push('consent');
        at = await this.go(
          firstForm(page).action,
          { ...firstForm(page).fields, decision: 'approve' },
          redirectUri,
        );
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
    const code = back.searchParams.get('code');
    if (code === null) throw new Error('no code in the authorization response');
    return code;
  }
}
