/** The typed claims boundary (src/oauth/tokens/claims.ts), unit by unit, with a frozen clock. */
import { describe, expect, it } from 'vitest';
import { readClaims, type ClaimProfile } from '../../../src/oauth/tokens/claims.js';
import { OAuthError } from '../../../src/oauth/errors.js';

const NOW = 1_764_140_000;
const base = { iss: 'https://idp.example', sub: 'alice', exp: NOW + 600 };
const profile: ClaimProfile = { param: 'subject_token', error: 'invalid_grant', now: NOW };

function refusal(
  raw: Record<string, unknown>,
  p: ClaimProfile = profile,
): { error: string; message: string } {
  try {
    readClaims(raw, p);
  } catch (err) {
    if (err instanceof OAuthError) return { error: err.error, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

describe('readClaims', () => {
  it('types the registered claims: aud as a list, scopes and groups as arrays, the rest as attributes', () => {
    const c = readClaims(
      {
        ...base,
        aud: 'https://mcp.example',
        scope: 'a b  a',
        groups: ['sales'],
        email: 'alice@example.com',
        nonce: 'n',
        department: 'sales',
      },
      profile,
    );
    expect(c).toMatchObject({
      sub: 'alice',
      aud: ['https://mcp.example'],
      scopes: ['a', 'b'],
      groups: ['sales'],
    });
    expect(c.others).toEqual({ email: 'alice@example.com', department: 'sales' });
  });

  it('no scope claim: an empty ceiling, or the policy’s when the issuer says so', () => {
    expect(readClaims(base, profile).scopes).toEqual([]);
    expect(readClaims(base, { ...profile, scopesWhenAbsent: 'policy' }).scopes).toBeUndefined();
    // A scope claim present caps either way.
    expect(readClaims({ ...base, scp: ['a'] }, { ...profile, scopesWhenAbsent: 'policy' }).scopes).toEqual([
      'a',
    ]);
  });

  it('several scope claims hold only what they all hold, in the first claim’s order', () => {
    expect(
      readClaims(
        { ...base, scope: 'c b a', scp: ['a', 'b'], perms: 'b a z' },
        { ...profile, scopesClaim: 'perms' },
      ).scopes,
    ).toEqual(['b', 'a']);
  });

  it.each([
    ['scope', ['a']],
    ['scope', 1],
    ['scp', [['a']]],
    ['scp', 'a\u0000'],
    ['scp', ['a"b']],
  ])('refuses %s = %j', (name, value) => {
    expect(refusal({ ...base, [name]: value })).toMatchObject({ error: 'invalid_grant' });
  });

  it('names the kind of token and its error: a client assertion is invalid_client', () => {
    expect(
      refusal(
        { ...base, jti: 7 },
        { param: 'client_assertion', error: 'invalid_client', required: ['jti'], now: NOW },
      ),
    ).toEqual({
      error: 'invalid_client',
      message: "client_assertion claim 'jti' must be a non-empty string",
    });
    expect(
      refusal(base, { param: 'client_assertion', error: 'invalid_client', required: ['jti'], now: NOW }),
    ).toEqual({ error: 'invalid_client', message: "client_assertion is missing the 'jti' claim" });
  });

  it('bounds act nesting before reading it, and keeps only the actor claims of each level', () => {
    let act: Record<string, unknown> = { sub: 'deepest' };
    for (let i = 0; i < 40; i++) act = { sub: `a${i}`, act };
    expect(refusal({ ...base, act }).message).toBe(
      "subject_token claim 'act' must be nested at most 16 actors deep",
    );
    expect(readClaims({ ...base, act: { sub: 'x', role: 'admin', act: { sub: 'y' } } }, profile).act).toEqual(
      {
        sub: 'x',
        act: { sub: 'y' },
      },
    );
  });

  it('may_act: an object of strings as given; anything else names no one', () => {
    expect(readClaims({ ...base, may_act: { sub: 'x' } }, profile).may_act).toEqual({ sub: 'x' });
    for (const mayAct of [null, 'x', ['x'], 3])
      expect(readClaims({ ...base, may_act: mayAct }, profile).may_act).toEqual({});
    expect(readClaims(base, profile).may_act).toBeUndefined();
  });

  it('times: finite, non-negative, held by a timestamp column, not beyond ten years', () => {
    expect(refusal({ ...base, nbf: Number.MAX_VALUE }).message).toBe(
      "subject_token claim 'nbf' must be a NumericDate",
    );
    expect(refusal({ ...base, exp: NOW + 11 * 366 * 86400 }).message).toBe(
      "subject_token claim 'exp' must be a time within ten years",
    );
    expect(readClaims({ ...base, exp: NOW + 9 * 365 * 86400 }, profile).exp).toBe(NOW + 9 * 365 * 86400);
  });
});
