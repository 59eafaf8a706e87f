/**
 * Connection strings in logs and errors without their password: a `DATABASE_URL` carries the
 * credential, and neither log lines nor start-up errors may leak it. Works on multi-host URLs
 * (`postgres://u:p@h1:5432,h2:5432/db`), which WHATWG URL parsing refuses.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^@/?#]*)@)?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (m === null) return '<unparseable database URL>';
  const [, scheme, userinfo, rest, query] = m;
  let user = '';
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    user = colon === -1 ? `${userinfo}@` : `${userinfo.slice(0, colon)}:***@`;
  }
  let q = query ?? '';
  if (q !== '') {
    const params = new URLSearchParams(q.slice(1));
    if (params.has('password')) {
      params.set('password', '***');
      q = `?${params.toString()}`;
    }
  }
  return `${scheme}${user}${rest}${q}`;
}
