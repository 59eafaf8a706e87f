import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/oauth/errors.js';
import {
  isScopeToken,
  MAX_PARAMETERS,
  MAX_SCOPE_LENGTH,
  MAX_SCOPES,
  Params,
  parseScope,
} from '../../src/oauth/params.js';

function refusal(f: () => unknown): { json: unknown; reason: string | undefined } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OAuthError);
    return { json: (e as OAuthError).toJSON(), reason: (e as OAuthError).reason };
  }
  throw new Error('expected a refusal');
}

describe('Params', () => {
  it('reads single, repeated and empty parameters (RFC 6749 §3.1)', () => {
    const p = Params.parse('a=1&resource=x&resource=y&empty=&resource=');
    expect(p.get('a')).toBe('1');
    expect(p.require('a')).toBe('1');
    expect(p.get('empty')).toBeUndefined();
    expect(p.has('empty')).toBe(false);
    expect(p.count('empty')).toBe(1);
    expect(p.all('resource')).toEqual(['x', 'y']);
    expect(p.count('resource')).toBe(3);
    expect(p.get('missing')).toBeUndefined();
    expect(p.all('missing')).toEqual([]);
  });

  it('refuses a repeated single parameter and a missing required one', () => {
    const p = Params.parse('scope=a&scope=b&empty=');
    expect(refusal(() => p.get('scope')).json).toEqual({
      error: 'invalid_request',
      error_description: "parameter 'scope' must not be repeated",
    });
    expect(refusal(() => p.require('empty')).json).toEqual({
      error: 'invalid_request',
      error_description: "missing required parameter 'empty'",
    });
  });

  it(`accepts ${MAX_PARAMETERS} parameters and refuses one more`, () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=v`).join('&');
    expect(Params.parse(body(MAX_PARAMETERS)).get('p63')).toBe('v');
    expect(refusal(() => Params.parse(body(MAX_PARAMETERS + 1)))).toEqual({
      json: { error: 'invalid_request', error_description: `more than ${MAX_PARAMETERS} parameters` },
      reason: 'too_many_parameters',
    });
  });

  it('refuses a NUL in a name or a value; decodes bad UTF-8 to U+FFFD', () => {
    expect(refusal(() => Params.parse('a=x%00y')).reason).toBe('nul_in_parameter');
    expect(refusal(() => Params.parse('a%00=1')).reason).toBe('nul_in_parameter');
    expect(Params.parse('a=%ff').get('a')).toBe('\ufffd');
    expect(Params.parse('a=b+c%20d').get('a')).toBe('b c d');
  });

  it('keeps only the named parameters', () => {
    const p = Params.parse('a=1&b=2&c=3').only(['a', 'c', 'z']);
    expect([p.get('a'), p.get('b'), p.get('c'), p.get('z')]).toEqual(['1', undefined, '3', undefined]);
  });
});

describe('scopes (RFC 6749 §3.3)', () => {
  it('parses space-delimited scope, dropping empties and duplicates', () => {
    expect(parseScope(undefined)).toBeUndefined();
    expect(parseScope('')).toEqual([]);
    expect(parseScope(' read  write read ')).toEqual(['read', 'write']);
    expect(parseScope('urn:x:y!#[]~')).toEqual(['urn:x:y!#[]~']);
  });

  it.each(['a"b', 'a\\b', 'caf\u00e9', 'a\tb', 'a\u007fb'])('refuses the malformed token %j', (t) => {
    expect(isScopeToken(t)).toBe(false);
    expect(refusal(() => parseScope(`read ${t}`)).json).toMatchObject({ error: 'invalid_scope' });
  });

  it('bounds the number and the length of scope tokens', () => {
    expect(isScopeToken('x'.repeat(MAX_SCOPE_LENGTH))).toBe(true);
    expect(isScopeToken('x'.repeat(MAX_SCOPE_LENGTH + 1))).toBe(false);
    const many = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`).join(' ');
    expect(parseScope(many(MAX_SCOPES))).toHaveLength(MAX_SCOPES);
    expect(refusal(() => parseScope(many(MAX_SCOPES + 1))).json).toEqual({
      error: 'invalid_scope',
      error_description: `more than ${MAX_SCOPES} scopes`,
    });
  });
});
