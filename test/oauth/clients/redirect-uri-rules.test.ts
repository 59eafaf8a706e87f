import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../../src/oauth/clients/redirect-uri-rules.js';

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
    'https://app.example.com',
    'https://app.example.com/',
    'https://[2001:db8::1]/cb',
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
    // Issue 10 §7: what the URL parser would repair is refused, so the registered text is where
    // the browser goes.
    ['no host', 'https:///cb', 'must name a host'],
    ['no host, one slash', 'https:/cb', 'must name a host'],
    ['no host, no slash', 'https:cb', 'must name a host'],
    ['backslash authority', 'https:\\\\evil.example/cb', 'must name a host'],
    ['loopback http without a host', 'http:///127.0.0.1/cb', 'must name a host'],
    ['userinfo on loopback', 'http://evil.example@127.0.0.1:4000/cb', 'must not contain credentials'],
    [
      'dot segments',
      'https://app.example.com/a/../cb',
      'must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'a tab the parser drops',
      'https://app.example.com/c\tb',
      'must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'default port',
      'https://app.example.com:443/cb',
      'must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'upper-case host',
      'https://App.example.com/cb',
      'must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'percent-encoded host',
      'https://%61pp.example/cb',
      'must be written as the URL it resolves to (https://app.example/cb)',
    ],
    [
      'numeric shorthand host',
      'https://0x7f.1/cb',
      'must be written as the URL it resolves to (https://127.0.0.1/cb)',
    ],
    [
      'leading space',
      ' https://app.example.com/cb',
      'must be written as the URL it resolves to (https://app.example.com/cb)',
    ],
    [
      'space in the path',
      'https://app.example.com/a b',
      'must be written as the URL it resolves to (https://app.example.com/a%20b)',
    ],
  ])('refuses %s', (_name, uri, problem) => {
    expect(redirectUriProblem(uri)).toBe(problem);
  });
});
