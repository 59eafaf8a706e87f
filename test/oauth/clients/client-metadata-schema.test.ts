/**
 * The shape of client metadata (RFC 7591 §2) before Mandate's rules: each member's type, length and
 * count bounds, clean text only, key members JSON of bounded depth and size, unused members dropped
 * and a secret kept (of any type) so that a metadata document carrying one can be refused.
 */
import { describe, expect, it } from 'vitest';
import { clientMetadataSchema, jsonIsClean } from '../../../src/oauth/clients/client-metadata-schema.js';

const CB = 'https://app.example/cb';
const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FE' };

/** The first issue's path and message, or 'ok'. */
function check(input: unknown): string {
  const r = clientMetadataSchema.safeParse(input);
  if (r.success) return 'ok';
  const issue = r.error.issues[0];
  return `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`;
}

describe('clientMetadataSchema', () => {
  it('keeps the members Mandate reads, trims the name, and drops the rest', () => {
    const r = clientMetadataSchema.parse({
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      client_name: '  App  ',
      scope: 'a b',
      jwks: { keys: [jwk] },
      logo_uri: 'https://app.example/logo.png',
      software_statement: 'eyJ...',
    });
    expect(r).toEqual({
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      client_name: 'App',
      scope: 'a b',
      jwks: { keys: [jwk] },
    });
    expect(clientMetadataSchema.parse({})).toEqual({});
  });

  it('keeps a secret of any type, for the CIMD rule to refuse', () => {
    expect(clientMetadataSchema.parse({ client_secret: 42, client_secret_expires_at: 'x' })).toEqual({
      client_secret: 42,
      client_secret_expires_at: 'x',
    });
  });

  it.each([
    ['redirect_uris not an array', { redirect_uris: CB }, /^redirect_uris: /],
    ['an empty redirect URI', { redirect_uris: [''] }, /^redirect_uris\.0: /],
    [
      '21 redirect URIs',
      { redirect_uris: Array.from({ length: 21 }, (_, i) => `${CB}${i}`) },
      /^redirect_uris: /,
    ],
    [
      'a 2,001-character redirect URI',
      { redirect_uris: [`${CB}/${'a'.repeat(2000)}`] },
      /^redirect_uris\.0: /,
    ],
    ['no grant types', { grant_types: [] }, /^grant_types: /],
    ['11 grant types', { grant_types: Array.from({ length: 11 }, (_, i) => `g${i}`) }, /^grant_types: /],
    ['6 response types', { response_types: ['code', 'a', 'b', 'c', 'd', 'e'] }, /^response_types: /],
    ['a blank client name', { client_name: '   ' }, /^client_name: /],
    ['a 201-character client name', { client_name: 'a'.repeat(201) }, /^client_name: /],
    ['a 2,001-character scope', { scope: 'a'.repeat(2001) }, /^scope: /],
    ['a numeric auth method', { token_endpoint_auth_method: 1 }, /^token_endpoint_auth_method: /],
    ['an empty key set', { jwks: { keys: [] } }, /^jwks\.keys: /],
    ['11 keys', { jwks: { keys: Array.from({ length: 11 }, () => jwk) } }, /^jwks\.keys: /],
    [
      'a key member too deep',
      { jwks: { keys: [{ ...jwk, x5c: [[[[['a']]]]] }] } },
      /^jwks\.keys\.0\.x5c: holds a value a key cannot hold$/,
    ],
    ['a non-string jwks_uri', { jwks_uri: ['https://k.example'] }, /^jwks_uri: /],
  ])('refuses %s', (_name, input, issue) => {
    expect(check(input)).toMatch(issue);
  });

  it('refuses text Postgres cannot hold exactly, in any member', () => {
    const unclean = 'must not contain U+0000 or unpaired surrogates';
    expect(check({ client_name: 'a\u0000b' })).toBe(`client_name: ${unclean}`);
    expect(check({ redirect_uris: [`${CB}\ud800`] })).toBe(`redirect_uris.0: ${unclean}`);
    expect(check({ scope: 'a\u0000' })).toBe(`scope: ${unclean}`);
    expect(check({ jwks: { keys: [{ ...jwk, 'k\u0000': 'v' }] } })).toMatch(/^jwks\.keys\.0/);
    expect(check({ jwks: { keys: [{ ...jwk, x: 'a\u0000' }] } })).toBe(
      'jwks.keys.0.x: holds a value a key cannot hold',
    );
  });
});

describe('jsonIsClean', () => {
  it('takes clean JSON of bounded depth, strings and sizes', () => {
    expect(jsonIsClean({ a: [1, 'b', null, true, { c: 2.5 }] }, 3)).toBe(true);
    expect(jsonIsClean('x'.repeat(16_384), 0)).toBe(true);
    expect(
      jsonIsClean(
        Array.from({ length: 100 }, () => 0),
        1,
      ),
    ).toBe(true);
  });

  it.each([
    ['too deep', [[1]], 1],
    ['an object at depth 0', {}, 0],
    ['a string over 16,384 characters', 'x'.repeat(16_385), 0],
    ['NUL in a string', 'a\u0000', 0],
    ['a lone surrogate in a key', { '\udc00': 1 }, 1],
    ['an infinite number', Infinity, 0],
    ['NaN', NaN, 0],
    ['101 array items', Array.from({ length: 101 }, () => 0), 1],
    ['101 members', Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 0])), 1],
    ['undefined', undefined, 1],
    ['a function', () => 1, 1],
  ])('refuses %s', (_name, value, depth) => {
    expect(jsonIsClean(value, depth)).toBe(false);
  });
});
