import { describe, expect, it } from 'vitest';
import { devLoginPage } from '../../../src/federation/dev-idp/login-page.js';

describe('devLoginPage', () => {
  it('posts the form to the given action and lists the demo users with their passwords', () => {
    const html = devLoginPage('/dev-idp/interaction/abc/login');
    expect(html).toContain('<form method="post" action="/dev-idp/interaction/abc/login"');
    expect(html).toContain('<code>alice</code> / <code>alice-demo</code> (Sales)');
    expect(html).toContain('do not use in production');
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain('aria-describedby');
    expect(html).toContain('value=""');
  });

  it('shows an error tied to the username field, and keeps the typed username', () => {
    const html = devLoginPage('/login', { username: 'alice', error: 'Wrong username or password.' });
    expect(html).toContain('<p class="error" role="alert" id="login-error">Wrong username or password.</p>');
    expect(html).toContain('value="alice" aria-describedby="login-error"');
  });

  it('escapes the action, the username and the error', () => {
    const html = devLoginPage('/x"><script>a</script>', {
      username: '"><img src=x onerror=alert(1)>',
      error: '<b>bad</b>',
    });
    expect(html).not.toContain('<script>a</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bad</b>');
    expect(html).toContain('&lt;b&gt;bad&lt;/b&gt;');
  });
});
