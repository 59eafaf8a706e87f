import { describe, expect, it } from 'vitest';
import { issuedTo, subjectInput, tokenContext } from '../../../src/oauth/decisions/subject-input.js';
import type { TokenClaims } from '../../../src/oauth/tokens/claims.js';

const base: TokenClaims = {
  iss: 'https://idp.example',
  sub: 'alice',
  aud: ['client-a'],
  exp: 2000,
  scopes: ['read'],
  groups: ['eng'],
  others: { dept: 'r&d' },
};

describe('subjectInput', () => {
  it('carries sub, iss, groups, scopes, exp and the other claims', () => {
    expect(subjectInput(base)).toEqual({
      sub: 'alice',
      iss: 'https://idp.example',
      groups: ['eng'],
      scopes: ['read'],
      exp: 2000,
      claims: { dept: 'r&d' },
    });
  });

  it('leaves scopes out, not empty, when the token has no ceiling', () => {
    expect(subjectInput({ ...base, scopes: undefined })).not.toHaveProperty('scopes');
    expect(subjectInput({ ...base, scopes: [] }).scopes).toEqual([]);
  });
});

describe('issuedTo', () => {
  it('matches the client by audience, resource audience, azp or client_id', () => {
    expect(issuedTo(base, 'client-a', [])).toBe(true);
    expect(issuedTo({ ...base, aud: ['https://mcp.example'] }, 'client-a', ['https://mcp.example'])).toBe(
      true,
    );
    expect(issuedTo({ ...base, aud: ['other'], azp: 'client-a' }, 'client-a', [])).toBe(true);
    expect(issuedTo({ ...base, aud: ['other'], client_id: 'client-a' }, 'client-a', [])).toBe(true);
  });

  it('refuses a token issued to someone else', () => {
    expect(
      issuedTo({ ...base, aud: ['client-b'], azp: 'client-b' }, 'client-a', ['https://mcp.example']),
    ).toBe(false);
    expect(issuedTo({ ...base, aud: ['client-a-x'] }, 'client-a', [])).toBe(false);
    expect(issuedTo({ ...base, aud: [] }, 'client-a', [])).toBe(false);
  });
});

describe('tokenContext', () => {
  it('carries only what is known', () => {
    expect(tokenContext(base, undefined, undefined)).toEqual({});
    expect(tokenContext({ ...base, auth_time: 1000, acr: 'mfa' }, 'jkt1', '192.0.2.1')).toEqual({
      dpop_jkt: 'jkt1',
      auth_time: 1000,
      acr: 'mfa',
      ip: '192.0.2.1',
    });
  });
});
