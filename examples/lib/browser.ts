/**
 * A minimal headless "browser" over fetch: a cookie jar per host, redirects followed by hand (so the
 * final redirect to the client's redirect URI is caught, not fetched), and HTML forms submitted the
 * way a user would (hidden inputs kept, the chosen fields and button filled in). The demo's user and
 * the end-to-end tests both drive the login and consent pages with it.
 */

export interface Page {
  url: string;
  status: number;
  html: string;
}

export interface Form {
  action: string;
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
const unescape = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) => ENTITIES[e] ?? '');
const attr = (tag: string, name: string) =>
  new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1] ?? undefined;

/** The first form of the page with its hidden inputs. */
export function firstForm(page: Page): Form {
  const open = /<form\b[^>]*>/i.exec(page.html);
  if (open === null)
    throw new Error(`no form on ${page.url} (HTTP ${page.status}): ${page.html.slice(0, 300)}`);
  const end = page.html.indexOf('</form>', open.index);
  const body = page.html.slice(open.index, end === -1 ? undefined : end);
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    if (name !== undefined && attr(m[0], 'type') === 'hidden')
      fields[name] = unescape(attr(m[0], 'value') ?? '');
  }
  return { action: new URL(unescape(attr(open[0], 'action') ?? page.url), page.url).href, fields };
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** Stops at a redirect for which this is true (the client's redirect URI); `go` may override it. */
  constructor(private readonly stopAt: (url: string) => boolean = () => false) {}

  private cookieHeader(url: string): string | undefined {
    const cookies = this.jar.get(new URL(url).host);
    if (cookies === undefined || cookies.size === 0) return undefined;
    return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(url: string, res: Response): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(host, cookies);
  }

  /**
   * Requests `url` and follows redirects; resolves the page it lands on, or `{ redirect }` when a
   * redirect goes to where `stopAt` says.
   */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string>; stopAt?: (url: string) => boolean } = {},
  ): Promise<Page | { redirect: string }> {
    const stopAt = init.stopAt ?? this.stopAt;
    let current = url;
    let method = init.method ?? 'GET';
    let body: string | undefined =
      init.form === undefined ? undefined : new URLSearchParams(init.form).toString();
    for (let hops = 0; hops < 20; hops++) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = this.cookieHeader(current);
      if (cookie !== undefined) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.store(current, res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        const next = new URL(location, current).href;
        if (stopAt(next)) return { redirect: next };
        current = next;
        // 303 (and, as browsers do, 301/302 after POST) continue as GET.
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

  /** Submits `form` with extra fields (what the user typed or the button pressed). */
  submit(
    form: Form,
    extra: Record<string, string>,
    stopAt?: (url: string) => boolean,
  ): Promise<Page | { redirect: string }> {
    return this.go(form.action, {
      method: 'POST',
      form: { ...form.fields, ...extra },
      ...(stopAt === undefined ? {} : { stopAt }),
    });
  }
}
