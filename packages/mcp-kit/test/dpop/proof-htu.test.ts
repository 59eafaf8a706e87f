import { describe, expect, it } from 'vitest';
import { normalizeHtu } from '../../src/dpop/proof-htu.js';

describe('normalizeHtu (RFC 9449 §4.3, RFC 3986 §6.2.2 and §6.2.3)', () => {
  it.each([
    ['https://as.example.com/token', 'https://as.example.com/token'],
    ['HTTPS://AS.Example.COM/token', 'https://as.example.com/token'],
    ['https://as.example.com:443/token', 'https://as.example.com/token'],
    ['http://as.example.com:80/token', 'http://as.example.com/token'],
    ['https://as.example.com:8443/token', 'https://as.example.com:8443/token'],
    ['https://as.example.com', 'https://as.example.com/'],
    ['https://as.example.com/token?x=1#frag', 'https://as.example.com/token'],
    ['https://as.example.com/%7euser/%2fa', 'https://as.example.com/~user/%2Fa'],
    ['https://as.example.com/%41%62c', 'https://as.example.com/Abc'],
    ['https://as.example.com/a/./b/../c', 'https://as.example.com/a/c'],
    ['https://as.example.com/T%C3%b6ken', 'https://as.example.com/T%C3%B6ken'],
    ['https://[::1]:443/x', 'https://[::1]/x'],
  ])('%s → %s', (input, normalized) => {
    expect(normalizeHtu(input)).toBe(normalized);
  });

  it('keeps the path case (paths are case-sensitive)', () => {
    expect(normalizeHtu('https://as.example.com/Token')).not.toBe(
      normalizeHtu('https://as.example.com/token'),
    );
  });

  it.each([
    ['/token', 'htu must be an absolute URL'],
    ['as.example.com/token', 'htu must be an absolute URL'],
    ['ftp://as.example.com/token', 'htu must be an http or https URL'],
    ['urn:example:token', 'htu must be an http or https URL'],
    ['https://user:pass@as.example.com/token', 'htu must not contain userinfo'],
  ])('refuses %s', (input, message) => {
    expect(() => normalizeHtu(input)).toThrow(new TypeError(message));
  });
});
