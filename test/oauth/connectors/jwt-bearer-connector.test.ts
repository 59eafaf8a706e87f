/** The RFC 7523 connector against a real token endpoint: the assertion and form it sends, verified. */
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillTemplate, jwtBearerConnector } from '../../../src/oauth/connectors/jwt-bearer-connector.js';
import { ask, connectorKey, settings, startDownstream, type DownstreamServer } from './downstream-server.js';

let down: DownstreamServer;
const key = connectorKey();
beforeAll(async () => {
  down = await startDownstream();
});
afterAll(() => down?.close());

describe('fillTemplate', () => {
  it('fills {subject}, {user}, {scope}, {client_id} in every string, deeply, leaving the rest', () => {
    const filled = fillTemplate(
      { a: 'u={user} s={subject}', b: ['{scope}', 1, true, null], c: { d: '{client_id}/{other}' } },
      ask,
    );
    expect(filled).toEqual({
      a: 'u=alice s=alice@svc',
      b: ['read write', 1, true, null],
      c: { d: 'mcp-server/{other}' },
    });
  });

  it('does not expand a value that itself looks like a placeholder (one pass)', () => {
    expect(fillTemplate('{subject}', { ...ask, subject: '{user}' })).toBe('{user}');
  });
});

describe('jwtBearerConnector', () => {
  it('posts the jwt-bearer grant with an assertion from Mandate to the token endpoint by default', async () => {
    down.forms.length = 0;
    const endpoint = `${down.url}/token`;
    const c = jwtBearerConnector(
      settings({ token_endpoint: endpoint, claims: { tenant: 'acme', who: '{user}' } }),
      'https://mandate.example',
      () => key,
    );
    const token = await c.obtain(ask);
    expect(token).toMatchObject({ accessToken: 'down-at', tokenType: 'Bearer', expiresIn: 600 });
    const form = down.forms[0]!;
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(form.has('scope')).toBe(false);
    expect(form.has('client_assertion')).toBe(false);
    const assertion = form.get('assertion')!;
    expect(decodeProtectedHeader(assertion)).toEqual({ kid: 'svc-k1', typ: 'JWT', alg: 'RS256' });
    const { payload } = await jwtVerify(assertion, key.publicKey, {
      issuer: 'https://mandate.example',
      subject: 'alice@svc',
      audience: endpoint,
    });
    expect(payload).toMatchObject({ tenant: 'acme', who: 'alice', iat: ask.now, exp: ask.now + 120 });
  });

  it('uses the configured issuer and audience, sends scope and authenticates as client_id', async () => {
    down.forms.length = 0;
    const c = jwtBearerConnector(
      settings({
        token_endpoint: `${down.url}/token`,
        issuer: 'mandate-app',
        audience: 'https://as.svc',
        send_scope: true,
        client_id: 'mandate-client',
        // The template cannot override the registered claims.
        claims: { iss: 'evil', sub: 'root' },
      }),
      'https://mandate.example',
      () => key,
    );
    await c.obtain(ask);
    const form = down.forms[0]!;
    expect(form.get('scope')).toBe('read write');
    expect(form.get('client_id')).toBe('mandate-client');
    await jwtVerify(form.get('assertion')!, key.publicKey, {
      issuer: 'mandate-app',
      subject: 'alice@svc',
      audience: 'https://as.svc',
    });
    await jwtVerify(form.get('client_assertion')!, key.publicKey, {
      issuer: 'mandate-client',
      subject: 'mandate-client',
      audience: 'https://as.svc',
    });
  });

  it('omits scope when there are no granted scopes', async () => {
    down.forms.length = 0;
    const c = jwtBearerConnector(
      settings({ token_endpoint: `${down.url}/token`, send_scope: true }),
      'm',
      () => key,
    );
    await c.obtain({ ...ask, scopes: [] });
    expect(down.forms[0]!.has('scope')).toBe(false);
  });
});
