/**
 * A headless "browser" over fetch for first-hop tests: follows redirects by hand, keeps cookies,
 * submits the development IdP's sign-in form and Mandate's consent form, and stops when the
 * redirect reaches the client's redirect URI.
 */
import { s256 } from '../../src/oauth/grants/pkce.js';
import { form, MCP } from './service.js';
import { randomBytes } from 'node:crypto';

/** The protected resources of the first-hop tests: the default policy's two MCP servers. */
export const RESOURCES = [
  { resource: MCP.salesforce, name: 'Salesforce MCP', scopes_supported: ['crm.read', 'crm.write'] },
  {
    resource: MCP.workday,
    name: 'Workday MCP',
    scopes_supported: ['hr.profile.read', 'hr.timeoff.read', 'hr.timeoff.write', 'hr.records.read'],
  },
];

export const PUBLIC_CLIENT = {
  client_id: 'test-public',
  client_name: 'Test MCP Client',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['http://127.0.0.1/callback', 'https://app.example/cb'],
};
export const CONFIDENTIAL_SECRET = 'test-confidential-secret-0123456789abcdef';
export const CONFIDENTIAL_CLIENT = {
  client_id: 'test-confidential',
  client_name: 'Confidential Agent',
  token_endpoint_auth_method: 'client_secret_basic',
  client_secret: CONFIDENTIAL_SECRET,
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ['https://conf.example/cb'],
};
export const PASSWORDS: Record<string, string> = {
  alice: 'alice-demo',
  bob: 'bob-demo',
  carol: 'carol-demo',
};

export class Browser {
  readonly cookies = new Map<string, string>();

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    this.store(res);
    return res;
  }

  async post(url: string, body: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(body),
    });
  }
}

export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1]!] = m[2]!
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
  return out;
}

export function formAction(html: string, base: string): string {
  const m = /<form method="post" action="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no form in page: ${html.slice(0, 500)}`);
  return new URL(m[1]!.replace(/&amp;/g, '&'), base).href;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export interface FlowResult {
  /** The final redirect to the client. */
  location: URL;
  /** Every page body seen on the way (for assertions). */
  pages: { url: string; status: number; body: string }[];
}

/**
 * Drives a browser from `start` until it is redirected to `stopAt` (a URL prefix): signs in at the
 * development IdP as `user` when asked, and answers the consent page with `consent`.
 */
export async function drive(
  browser: Browser,
  start: string,
  stopAt: string,
  opts: { user?: string; consent?: 'approve' | 'deny'; password?: string } = {},
): Promise<FlowResult> {
  const pages: FlowResult['pages'] = [];
  let res = await browser.fetch(start);
  let url = start;
  for (let hops = 0; hops < 20; hops++) {
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc !== null) {
      const next = new URL(loc, url).href;
      if (next.startsWith(stopAt)) return { location: new URL(next), pages };
      url = next;
      res = await browser.fetch(next);
      continue;
    }
    const body = await res.text();
    pages.push({ url, status: res.status, body });
    if (
      body.includes('name="password"') &&
      opts.user !== undefined &&
      !pages.some((p) => p.status === 401 && p.url === url)
    ) {
      const action = formAction(body, url);
      res = await browser.post(action, {
        username: opts.user,
        password: opts.password ?? PASSWORDS[opts.user] ?? '',
      });
      url = action;
      continue;
    }
    if (body.includes('name="decision"') && opts.consent !== undefined) {
      const action = formAction(body, url);
      res = await browser.post(action, { ...hiddenFields(body), decision: opts.consent });
      url = action;
      continue;
    }
    throw Object.assign(new Error(`flow stopped at ${url} (${res.status})`), { pages });
  }
  throw new Error('too many redirects');
}

export function authorizeUrl(issuer: string, params: Record<string, string | undefined>): string {
  const u = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}
