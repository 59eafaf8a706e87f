/**
 * The reference client, unmodified: the MCP TypeScript SDK's `auth()` runs discovery (RFC 9728 then
 * RFC 8414), registration (RFC 7591, or a Client ID Metadata Document), the authorization code flow
 * with PKCE and the refresh grant against a real Mandate; the user signs in at the development IdP
 * and consents through a headless fetch "browser". Then the error codes the SDK acts on: Mandate
 * must answer `invalid_client` when the registration is gone (the SDK registers again) and
 * `invalid_grant` when the refresh token is dead (the SDK drops only its tokens).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, firstForm, type Page } from '../../examples/lib/browser.js';
import { startDocServer, type DocServer } from '../helpers/doc-server.js';
import { form, MCP, startTestService, type TestService } from '../helpers/service.js';
import { createTestCert, type TestCert } from '../helpers/tls.js';

const REDIRECT = 'http://127.0.0.1:47113/callback';
const DYNAMIC_TTL = 3600;

/** An in-memory OAuthClientProvider, as an application would write one. */
class MemoryProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  invalidated: string[] = [];
  constructor(
    readonly clientMetadataUrl?: string,
    readonly authMethod: 'none' | 'client_secret_basic' = 'none',
  ) {}
  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK test client',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.authMethod,
    };
  }
  state(): string {
    return 'sdk-state-1';
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'client') this.info = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
  }
}

describe('MCP TypeScript SDK against Mandate', () => {
  let cert: TestCert;
  let docs: DocServer;
  let prm: Server;
  let prmUrl: URL;
  let svc: TestService;
  let issuer = '';
  let clock = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    // The MCP server's RFC 9728 metadata, naming Mandate (known once it listens) as its AS.
    prm = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          resource: MCP.salesforce,
          authorization_servers: [issuer],
          scopes_supported: ['crm.read'],
          bearer_methods_supported: ['header'],
        }),
      );
    });
    await new Promise<void>((resolve) => prm.listen(0, '127.0.0.1', resolve));
    prmUrl = new URL(
      `http://127.0.0.1:${(prm.address() as AddressInfo).port}/.well-known/oauth-protected-resource/mcp`,
    );
    cert = await createTestCert();
    docs = await startDocServer(cert);
    svc = await startTestService({
      now: () => clock,
      env: {
        MANDATE_DYNAMIC_CLIENT_TTL: String(DYNAMIC_TTL),
        MANDATE_CIMD_ALLOWED_HOSTS: 'localhost',
        MANDATE_CIMD_CA_FILE: cert.certPath,
      },
      resources: [
        { resource: MCP.salesforce, name: 'Salesforce MCP', scopes_supported: ['crm.read', 'crm.write'] },
      ],
    });
    issuer = svc.issuer;
  });
  afterAll(async () => {
    await svc?.close();
    await docs?.close();
    await cert?.dispose();
    await new Promise<void>((resolve) => (prm ? prm.close(() => resolve()) : resolve()));
  });

  const run = (provider: MemoryProvider, authorizationCode?: string) =>
    auth(provider, {
      serverUrl: MCP.salesforce,
      resourceMetadataUrl: prmUrl,
      ...(authorizationCode === undefined ? {} : { authorizationCode }),
    });

  /** What the user does in the browser: sign in at the development IdP as alice, then allow. */
  async function signInAndConsent(authorizationUrl: URL): Promise<string> {
    const browser = new Browser((u) => u.startsWith(REDIRECT));
    let at = await browser.go(authorizationUrl.href);
    for (let step = 0; step < 4 && !('redirect' in at); step++) {
      const page: Page = at;
      if (/name="password"/.test(page.html))
        at = await browser.submit(firstForm(page), { username: 'alice', password: 'alice-demo' });
      else if (/name="decision"/.test(page.html))
        at = await browser.submit(firstForm(page), { decision: 'approve' });
      else throw new Error(`unexpected page ${page.url} (HTTP ${page.status}): ${page.html.slice(0, 400)}`);
    }
    if (!('redirect' in at)) throw new Error('the flow did not return to the client');
    const back = new URL(at.redirect);
    // RFC 9207 and RFC 6749 §4.1.2: iss and state come back with the code.
    expect(back.searchParams.get('iss')).toBe(svc.issuer);
    expect(back.searchParams.get('state')).toBe('sdk-state-1');
    const code = back.searchParams.get('code');
    expect(code).toBeTruthy();
    return code ?? '';
  }

  /** The full first run: REDIRECT, browser, code → tokens. */
  async function connect(provider: MemoryProvider): Promise<void> {
    expect(await run(provider)).toBe('REDIRECT');
    const url = provider.authorizationUrl;
    if (url === undefined) throw new Error('no authorization URL');
    expect(url.searchParams.get('resource')).toBe(MCP.salesforce);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(await run(provider, await signInAndConsent(url))).toBe('AUTHORIZED');
  }

  it('DCR: discovery → registration → authorization → token → refresh', async () => {
    const provider = new MemoryProvider();
    await connect(provider);
    const clientId = String(provider.info?.client_id);
    const row = await svc.db.db.query('SELECT source FROM clients WHERE client_id = $1', [clientId]);
    expect(row.rows).toEqual([{ source: 'dynamic' }]);
    const first = provider.saved;
    expect(first?.token_type).toMatch(/^bearer$/i);
    expect(decodeJwt(String(first?.access_token))).toMatchObject({
      iss: svc.issuer,
      sub: 'alice',
      aud: MCP.salesforce,
      client_id: clientId,
      scope: 'crm.read',
    });
    expect(first?.refresh_token).toBeTruthy();

    // A second auth() with stored tokens refreshes (rotation: a new refresh token).
    expect(await run(provider)).toBe('AUTHORIZED');
    expect(provider.saved?.access_token).not.toBe(first?.access_token);
    expect(provider.saved?.refresh_token).toBeTruthy();
    expect(provider.saved?.refresh_token).not.toBe(first?.refresh_token);
    expect(provider.invalidated).toEqual([]);
  });

  it('CIMD: the client_id is the document URL; no registration request', async () => {
    const url = docs.url('/sdk/client.json');
    const provider = new MemoryProvider(url);
    docs.route('/sdk/client.json', { body: { client_id: url, ...provider.clientMetadata } });
    const before = await svc.db.db.query("SELECT count(*)::int AS n FROM clients WHERE source = 'dynamic'");
    await connect(provider);
    expect(provider.info?.client_id).toBe(url);
    expect(decodeJwt(String(provider.saved?.access_token))).toMatchObject({ client_id: url, sub: 'alice' });
    const after = await svc.db.db.query("SELECT count(*)::int AS n FROM clients WHERE source = 'dynamic'");
    expect(after.rows).toEqual(before.rows);
    expect(await run(provider)).toBe('AUTHORIZED');
  });

  it('invalid_grant on refresh: the SDK drops its tokens only and starts a new authorization', async () => {
    const provider = new MemoryProvider();
    await connect(provider);
    const clientId = provider.info?.client_id;
    // RFC 7009 revocation of the refresh token ends its family.
    const revoked = await fetch(`${svc.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: String(provider.saved?.refresh_token), client_id: String(clientId) }),
    });
    expect(revoked.status).toBe(200);
    const wire = await fetch(`${svc.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({
        grant_type: 'refresh_token',
        refresh_token: String(provider.saved?.refresh_token),
        client_id: String(clientId),
      }),
    });
    expect(wire.status).toBe(400);
    expect(((await wire.json()) as { error: string }).error).toBe('invalid_grant');

    expect(await run(provider)).toBe('REDIRECT');
    expect(provider.invalidated).toEqual(['tokens']);
    expect(provider.info?.client_id).toBe(clientId);
  });

  it('invalid_client once an unused dynamic client has expired: the SDK registers again', async () => {
    const provider = new MemoryProvider();
    await connect(provider);
    const oldId = provider.info?.client_id;
    const saved = clock;
    clock += DYNAMIC_TTL + 60;
    try {
      const wire = await fetch(`${svc.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'refresh_token',
          refresh_token: String(provider.saved?.refresh_token),
          client_id: String(oldId),
        }),
      });
      expect(wire.status).toBe(401);
      expect(await wire.json()).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });

      expect(await run(provider)).toBe('REDIRECT');
      expect(provider.invalidated).toEqual(['all']);
      expect(provider.info?.client_id).toBeTruthy();
      expect(provider.info?.client_id).not.toBe(oldId);
    } finally {
      clock = saved;
    }
  });

  it('a confidential DCR client (client_secret_basic) refreshes, and introspects its refresh token', async () => {
    const provider = new MemoryProvider(undefined, 'client_secret_basic');
    await connect(provider);
    const id = String(provider.info?.client_id);
    const secret = String((provider.info as { client_secret?: string }).client_secret);
    const introspect = async (token: string) =>
      (await (
        await fetch(`${svc.issuer}/introspect`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
          },
          body: form({ token, token_type_hint: 'refresh_token' }),
        })
      ).json()) as Record<string, unknown>;
    const first = String(provider.saved?.refresh_token);
    expect(await introspect(first)).toMatchObject({
      active: true,
      client_id: id,
      sub: 'alice',
      aud: MCP.salesforce,
      scope: 'crm.read',
      iss: svc.issuer,
    });
    expect(await run(provider)).toBe('AUTHORIZED');
    // Rotated: the old refresh token is no longer active, its successor is.
    expect(await introspect(first)).toEqual({ active: false });
    expect(await introspect(String(provider.saved?.refresh_token))).toMatchObject({ active: true });
  });

  it('a CIMD client cannot use a redirect URI its document does not list (error page, no redirect)', async () => {
    const url = docs.url('/sdk/narrow.json');
    docs.route('/sdk/narrow.json', {
      body: { client_id: url, redirect_uris: ['http://127.0.0.1:47113/only-this'] },
    });
    const res = await fetch(
      `${svc.issuer}/authorize?${form({
        client_id: url,
        redirect_uri: 'https://attacker.example/cb',
        response_type: 'code',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        resource: MCP.salesforce,
        state: 's',
      })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is not registered for this client');
  });
});
