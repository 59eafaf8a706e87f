/**
 * The MCP TypeScript SDK's `auth()`, unmodified, with a client pre-registered in Mandate's
 * configuration (no registration request): protected-resource discovery (RFC 9728) → metadata
 * (RFC 8414) → authorization with PKCE and `resource` → sign-in at the development IdP and consent
 * (headless) → token → refresh. (Dynamic registration and CIMD: test/e2e/mcp-sdk.e2e.test.ts.)
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
import { MCP, startTestService, type TestService } from '../../helpers/service.js';
import { Browser, drive, PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';

const REDIRECT = 'http://127.0.0.1:47900/callback';

class PreRegistered implements OAuthClientProvider {
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  savedInfo: OAuthClientInformationMixed[] = [];
  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: PUBLIC_CLIENT.client_name,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    return 'sdk-prereg';
  }
  clientInformation(): OAuthClientInformationMixed {
    return { client_id: PUBLIC_CLIENT.client_id };
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.savedInfo.push(info);
  }
  tokens() {
    return this.saved;
  }
  saveTokens(t: OAuthTokens): void {
    this.saved = t;
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
}

describe('MCP TypeScript SDK with a pre-registered public client', () => {
  let svc: TestService;
  let prm: Server;
  let prmUrl: URL;
  let issuer = '';
  beforeAll(async () => {
    prm = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          resource: MCP.salesforce,
          authorization_servers: [issuer],
          scopes_supported: ['crm.read'],
        }),
      );
    });
    await new Promise<void>((resolve) => prm.listen(0, '127.0.0.1', resolve));
    prmUrl = new URL(
      `http://127.0.0.1:${(prm.address() as AddressInfo).port}/.well-known/oauth-protected-resource/mcp`,
    );
    svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
    issuer = svc.issuer;
  });
  afterAll(async () => {
    await svc?.close();
    await new Promise<void>((resolve) => (prm ? prm.close(() => resolve()) : resolve()));
  });

  it('authorizes, exchanges the code and refreshes', async () => {
    const provider = new PreRegistered();
    const run = (authorizationCode?: string) =>
      auth(provider, {
        serverUrl: MCP.salesforce,
        resourceMetadataUrl: prmUrl,
        ...(authorizationCode === undefined ? {} : { authorizationCode }),
      });
    expect(await run()).toBe('REDIRECT');
    const url = provider.authorizationUrl!;
    expect(url.origin + url.pathname).toBe(`${svc.issuer}/authorize`);
    expect(url.searchParams.get('client_id')).toBe(PUBLIC_CLIENT.client_id);
    expect(url.searchParams.get('resource')).toBe(MCP.salesforce);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const { location } = await drive(new Browser(), url.href, REDIRECT, {
      user: 'alice',
      consent: 'approve',
    });
    expect(location.searchParams.get('iss')).toBe(svc.issuer);
    expect(location.searchParams.get('state')).toBe('sdk-prereg');
    expect(await run(location.searchParams.get('code')!)).toBe('AUTHORIZED');
    // No registration: whatever the SDK saves is the pre-registered client id.
    expect(provider.savedInfo.every((i) => i.client_id === PUBLIC_CLIENT.client_id)).toBe(true);
    const first = provider.saved!;
    expect(first.token_type).toBe('Bearer');
    expect(decodeJwt(first.access_token)).toMatchObject({
      aud: MCP.salesforce,
      sub: 'alice',
      scope: 'crm.read',
    });

    // With a refresh token saved, auth() refreshes instead of redirecting.
    expect(await run()).toBe('AUTHORIZED');
    expect(provider.saved!.refresh_token).toBeDefined();
    expect(provider.saved!.refresh_token).not.toBe(first.refresh_token);
    expect(provider.saved!.access_token).not.toBe(first.access_token);
  });
});
