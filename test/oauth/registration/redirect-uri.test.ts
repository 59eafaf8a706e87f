import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../../src/oauth/registration/redirect-uri.js';

describe('registrable redirect URIs (RFC 8252 §7, RFC 6749 §3.1.2)', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com:8443/cb?x=1',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:53682/callback',
    'http://[::1]:8080/cb',
    'http://localhost:3000/oauth/callback',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });

  it.each([
    ['relative', '/callback', 'is not an absolute URI'],
    ['fragment', 'https://app.example.com/cb#frag', 'must not contain a fragment'],
    ['empty fragment', 'https://app.example.com/cb#', 'must not contain a fragment'],
    ['plain http', 'http://app.example.com/cb', 'must use https unless the host is loopback'],
    ['credentials', 'https://user:pw@app.example.com/cb', 'must not contain credentials'],
    ['javascript', 'javascript:alert(1)', 'must not use the javascript: scheme'],
    ['data', 'data:text/html,hi', 'must not use the data: scheme'],
    ['file', 'file:///etc/passwd', 'must not use the file: scheme'],
    ['dotless scheme', 'myapp:/cb', 'must use https, loopback http or a reverse-domain private-use scheme'],
  ])('refuses %s', (_name, uri, problem) => {
    expect(redirectUriProblem(uri)).toBe(problem);
  });
});
