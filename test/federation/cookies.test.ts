import { describe, expect, it } from 'vitest';
import { parseCookies, serializeCookie } from '../../src/federation/cookies.js';

describe('parseCookies', () => {
  it('splits a Cookie header into name → value, trimming around pairs', () => {
    expect([...parseCookies('a=1; b=two ;c=x=y')]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', 'x=y'],
    ]);
  });

  it('keeps the first of repeated names (the most specific path, RFC 6265 §5.4)', () => {
    expect(parseCookies('sid=first; sid=second').get('sid')).toBe('first');
  });

  it('skips pairs without a name or without "=", and takes no header as no cookies', () => {
    expect([...parseCookies('=v; novalue; ok=1; ;')]).toEqual([['ok', '1']]);
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies('').size).toBe(0);
    expect(parseCookies('empty=').get('empty')).toBe('');
  });
});

describe('serializeCookie', () => {
  it('is HttpOnly and SameSite=Lax, Secure when asked', () => {
    expect(serializeCookie('mandate_login', 'abc', { path: '/login', maxAge: 600, secure: true })).toBe(
      'mandate_login=abc; Path=/login; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
    );
    expect(serializeCookie('s', 'v', { path: '/', maxAge: 1, secure: false })).toBe(
      's=v; Path=/; Max-Age=1; HttpOnly; SameSite=Lax',
    );
  });

  it('Max-Age=0 deletes, and what it writes parses back', () => {
    const header = serializeCookie('s', '', { path: '/', maxAge: 0, secure: false });
    expect(header).toContain('Max-Age=0');
    expect(
      parseCookies(serializeCookie('s', 'tok.en-1', { path: '/', maxAge: 5, secure: false })).get('s'),
    ).toBe('tok.en-1');
  });
});
