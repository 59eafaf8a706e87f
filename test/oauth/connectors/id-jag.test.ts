/** The ID-JAG connector: Mandate issues the ID-JAG with its own key and redeems it with private_key_jwt. */
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idJagConnector } from '../../../src/oauth/connectors/id-jag.js';
import { ask, connectorKey, settings, startDownstream, type DownstreamServer } from './downstream-server.js';

let down: DownstreamServer;
const key = connectorKey('wiki');
const mandateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = {
  signingKey: () => ({ kid: 'm1', alg: 'ES256' as const, privateKey: mandateKey.privateKey }),
};
beforeAll(async () => {
  down = await startDownstream();
});
afterAll(() => down?.close());

describe('idJagConnector', () => {
  it('redeems an ID-JAG signed by Mandate, for the mapped subject, at the downstream issuer', async () => {
    down.forms.length = 0;
    const endpoint = `${down.url}/oauth2/token`;
    const c = idJagConnector(
      settings({
        service: 'wiki',
        kind: 'id-jag',
        token_endpoint: endpoint,
        issuer: 'https://as.wiki',
        client_id: 'mandate-at-wiki',
        send_scope: true,
      }),
      'https://mandate.example',
      signer,
      () => key,
    );
    await c.obtain(ask);
    const form = down.forms[0]!;
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(form.get('scope')).toBe('read write');
    const jag = form.get('assertion')!;
    expect(decodeProtectedHeader(jag)).toEqual({ alg: 'ES256', kid: 'm1', typ: 'oauth-id-jag+jwt' });
    const { payload } = await jwtVerify(jag, mandateKey.publicKey, {
      issuer: 'https://mandate.example',
      subject: 'alice@svc',
      audience: 'https://as.wiki',
      typ: 'oauth-id-jag+jwt',
    });
    expect(payload).toMatchObject({
      client_id: 'mandate-at-wiki',
      resource: 'https://svc.example/api',
      scope: 'read write',
      auth_time: 1000,
      email: 'alice@example.com',
      exp: ask.now + 120,
    });
    // The client authenticates with its own connector key (§4.4.1), to the token endpoint.
    expect(form.get('client_id')).toBe('mandate-at-wiki');
    await jwtVerify(form.get('client_assertion')!, key.publicKey, {
      issuer: 'mandate-at-wiki',
      audience: endpoint,
    });
  });

  it("lets the subject token's claims never override the registered ones", async () => {
    down.forms.length = 0;
    const c = idJagConnector(
      settings({
        kind: 'id-jag',
        token_endpoint: `${down.url}/t`,
        issuer: 'https://as.wiki',
        client_id: 'c',
      }),
      'https://mandate.example',
      signer,
      () => key,
    );
    await c.obtain({ ...ask, claims: { sub: 'root', aud: 'elsewhere', client_id: 'evil' } });
    const { payload } = await jwtVerify(down.forms[0]!.get('assertion')!, mandateKey.publicKey);
    expect(payload).toMatchObject({ sub: 'alice@svc', aud: 'https://as.wiki', client_id: 'c' });
    expect(down.forms[0]!.has('scope')).toBe(false);
  });
});
