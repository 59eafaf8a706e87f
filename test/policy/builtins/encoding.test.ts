// Hashing and encoding builtins with Go's semantics: over a string's UTF-8 bytes, known digests,
// url.QueryEscape / QueryUnescape exactly, and undefined (OPA's error) for bad operands.
import { describe, expect, it } from 'vitest';
import { encodingBuiltins } from '../../../src/policy/builtins/encoding.js';

const b = encodingBuiltins;

describe('encoding builtins', () => {
  it('hashes the UTF-8 bytes to lowercase hex', () => {
    expect(b['crypto.md5']!('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(b['crypto.sha1']!('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(b['crypto.sha256']!('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(b['crypto.sha256']!('é')).not.toBe(b['crypto.sha256']!('\u00e9'.normalize('NFD')));
    expect(b['crypto.sha256']!(1)).toBeUndefined();
  });

  it('computes HMACs keyed by the UTF-8 bytes of the key (RFC 4231 case 2)', () => {
    expect(b['crypto.hmac.sha256']!('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(b['crypto.hmac.md5']!('what do ya want for nothing?', 'Jefe')).toBe(
      '750c783e6ab0b503eaa86e310a5db738',
    );
    expect(b['crypto.hmac.sha1']!('x', 1)).toBeUndefined();
    expect(String(b['crypto.hmac.sha512']!('x', 'k'))).toHaveLength(128);
  });

  it('crypto.hmac.equal compares strings, false for different lengths', () => {
    expect(b['crypto.hmac.equal']!('abc', 'abc')).toBe(true);
    expect(b['crypto.hmac.equal']!('abc', 'abd')).toBe(false);
    expect(b['crypto.hmac.equal']!('abc', 'abcd')).toBe(false);
    expect(b['crypto.hmac.equal']!('abc', null)).toBeUndefined();
  });

  it('hex encodes UTF-8 and decodes only whole hex pairs', () => {
    expect(b['hex.encode']!('é!')).toBe('c3a921');
    expect(b['hex.decode']!('c3a921')).toBe('é!');
    expect(b['hex.decode']!('C3A9')).toBe('é');
    expect(b['hex.decode']!('abc')).toBeUndefined();
    expect(b['hex.decode']!('zz')).toBeUndefined();
  });

  it('base64url.encode_no_pad drops the padding', () => {
    expect(b['base64url.encode_no_pad']!('a')).toBe('YQ');
    expect(b['base64url.encode_no_pad']!('\u00ff\u00fe')).toBe('w7_Dvg');
  });

  it('urlquery.encode escapes as Go url.QueryEscape: space as "+", unreserved kept', () => {
    expect(b['urlquery.encode']!('a b&c=d/é~._-')).toBe('a+b%26c%3Dd%2F%C3%A9~._-');
    expect(b['urlquery.encode']!('+')).toBe('%2B');
  });

  it('urlquery.decode reads "+" as space and refuses a broken escape', () => {
    expect(b['urlquery.decode']!('a+b%26c%3Dd%2F%C3%A9')).toBe('a b&c=d/é');
    expect(b['urlquery.decode']!('%2b')).toBe('+');
    expect(b['urlquery.decode']!('100%')).toBeUndefined();
    expect(b['urlquery.decode']!('%zz')).toBeUndefined();
    expect(b['urlquery.decode']!(['a'])).toBeUndefined();
  });
});
