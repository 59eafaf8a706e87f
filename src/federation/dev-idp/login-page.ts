/** The development IdP's sign-in page. */
import { esc, page } from '../../ui/html.js';
import { DEMO_USERS } from './users.js';

export function devLoginPage(action: string, opts: { username?: string; error?: string } = {}): string {
  const hint = DEMO_USERS.map(
    (u) => `<code>${esc(u.sub)}</code> / <code>${esc(u.password)}</code> (${esc(u.department)})`,
  ).join('<br>');
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p class="muted">Development identity provider: do not use in production.</p>
${opts.error === undefined ? '' : `<p class="error" role="alert" id="login-error">${esc(opts.error)}</p>`}
<form method="post" action="${esc(action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" required autofocus value="${esc(opts.username ?? '')}"${opts.error === undefined ? '' : ' aria-describedby="login-error"'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>
<p class="muted">Demo users:<br>${hint}</p>`,
    'Mandate development IdP',
  );
}
