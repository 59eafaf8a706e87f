/**
 * Connection strings in logs and errors without their password: a `DATABASE_URL` carries the
 * credential, and neither log lines nor start-up errors may leak it.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<unparseable database URL>';
  }
  if (u.password !== '') u.password = '***';
  if (u.searchParams.has('password')) u.searchParams.set('password', '***');
  return u.toString();
}
