/**
 * Login cookies: HttpOnly, SameSite=Lax, Secure on https, and `__Host-` names on an https issuer at
 * the root (RFC 6265bis §4.1.3.2), so that a sibling subdomain can neither plant nor overwrite them.
 * The relying party is a unit-test double: only the cookie handling is under test here.
 */
import { describe, expect, it } from 'vitest';
import { createLogin } from '../../src/federation/login.js';
import type { RelyingParty } from '../../src/federation/relying-party.js';
import type { SubjectRepo } from '../../src/store/subjects.js';

const rp: RelyingParty = {
  issuer: 'https://idp.example',
  newSecrets: () => ({ state: 'state-0123456789abcdefghij', nonce: 'n', verifier: 'v' }),
  authorizationUrl: async () => 'https://idp.example/authorize',
  callback: async () => {
    throw new Error('not used');
  },
};

function login(issuer: string) {
  return createLogin({
    issuer,
    kek: new Uint8Array(32).fill(7),
    sessionTtl: 600,
    rp,
    subjects: {} as SubjectRepo,
    now: () => 1_764_140_000,
  });
}

describe('login cookies', () => {
  it.each([
    ['https://auth.example', '__Host-mandate_login_', ['Path=/', 'Secure']],
    ['https://auth.example/tenant', 'mandate_login_', ['Path=/tenant/', 'Secure']],
    ['http://localhost:8080', 'mandate_login_', ['Path=/']],
  ])('%s: names start with %s', async (issuer, name, attributes) => {
    const { cookies } = await login(issuer).begin('client_id=x');
    const [cookie = ''] = cookies;
    expect(cookie.startsWith(name)).toBe(true);
    for (const a of [...attributes, 'HttpOnly', 'SameSite=Lax']) expect(cookie.split('; ')).toContain(a);
    if (!issuer.startsWith('https')) expect(cookie).not.toContain('Secure');
    expect(login(issuer).logout()[0]?.startsWith(name.replace('login_', 'session'))).toBe(true);
  });
});
