/**
 * The Salesforce emulator's sessions, and its error bodies for a JWT Bearer Flow assertion with the wrong `iss`,
 * `aud` or `exp`, or for a user not pre-authorized: the texts examples/apis/salesforce-login.ts cites (the
 * published "Audience validation failed"; the others as Salesforce is reported to answer). Real
 * HTTP to the emulator, an RS256 key of the test's own as the connected app's certificate.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../examples/apis/salesforce-login.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function assertion(claims: Record<string, unknown>): string {
  const input = `${b64({ alg: 'RS256' })}.${b64(claims)}`;
  const sig = createSign('sha256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${sig}`;
}

describe('salesforce emulator error bodies', () => {
  let emu: SalesforceEmulator;
  const now = () => Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    emu = await startSalesforceEmulator({
      consumerKey: 'ck',
      users: {
        'alice@acme.example': { approved: true, userId: '005A' },
        'carol@acme.example': { approved: false, userId: '005C' },
      },
    });
    emu.setCertificate(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  });
  afterAll(() => emu?.close());

  const post = async (claims: Record<string, unknown>) => {
    const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: assertion(claims),
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const good = () => ({ iss: 'ck', sub: 'alice@acme.example', aud: emu.loginUrl, exp: now() + 120 });

  it('issues for a good assertion, a session of that user at the org', async () => {
    const res = await post(good());
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.instance_url).toBe('https://acme.my.salesforce.com');
    expect(emu.session(res.body.access_token as string)).toBe('alice@acme.example');
    expect(emu.session(`${res.body.access_token as string}x`)).toBeUndefined();
  });

  it.each([
    ['iss', { iss: 'other' }, 'invalid_client_id', 'client identifier invalid'],
    ['aud', { aud: 'https://login.salesforce.com' }, 'invalid_grant', 'Audience validation failed'],
    ['exp', { exp: now() - 600 }, 'invalid_grant', 'expired authorization code'],
    ['sub', { sub: 'carol@acme.example' }, 'invalid_grant', "user hasn't approved this consumer"],
  ])('refuses a wrong %s with Salesforce’s body', async (_what, change, error, description) => {
    const res = await post({ ...good(), ...change });
    expect(res).toEqual({ status: 400, body: { error, error_description: description } });
  });
});
