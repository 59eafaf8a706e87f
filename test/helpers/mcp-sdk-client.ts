/**
 * The MCP TypeScript SDK (v1) `auth()` against a real Mandate, shared by test/e2e/mcp-sdk.e2e.test.ts
 * (the flows) and test/e2e/mcp-sdk-errors.e2e.test.ts (the error codes the SDK acts on): an
 * in-memory `OAuthClientProvider` as an application would write one, the MCP server's RFC 9728
 * metadata naming Mandate, a TLS document server for Client ID Metadata Documents, and the user's
 * sign-in and consent in a headless fetch "browser".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, type AuthResult, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { Browser, firstForm, type Page } from '../../examples/lib/browser.js';
import { startDocServer, type DocServer } from './doc-server.js';
import { MCP, startTestService, type TestService } from './service.js';
import { createTestCert, type TestCert } from './tls.js';

export const REDIRECT = 'http://127.0.0.1:47113/callback';
/** MANDATE_DYNAMIC_CLIENT_TTL of the service under test, in seconds. */
export const DYNAMIC_TTL = 3600;

/** An in-memory OAuthClientProvider, as an application would write one. */
export class MemoryProvider implements OAuthClientProvider {
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

/** The running parts, set once the suite's beforeAll has run. */
export interface SdkStack {
  svc: TestService;
  docs: DocServer;
  /** The service's clock in seconds; a test that moves it puts it back. */
  clock: number;
  /** One `auth()` call of the SDK for the Salesforce MCP server. */
  run(provider: MemoryProvider, authorizationCode?: string): Promise<AuthResult>;
  /** The full first run: REDIRECT, browser, code → tokens. */
  connect(provider: MemoryProvider): Promise<void>;
}

/** Starts the parts in the calling suite's beforeAll and closes them in its afterAll. */
export function useSdkStack(): SdkStack {
  let cert: TestCert | undefined;
  let prm: Server | undefined;
  let prmUrl: URL;
  let issuer = '';
  const stack = {
    clock: Math.floor(Date.now() / 1000),
    run: (provider: MemoryProvider, authorizationCode?: string) =>
      auth(provider, {
        serverUrl: MCP.salesforce,
        resourceMetadataUrl: prmUrl,
        ...(authorizationCode === undefined ? {} : { authorizationCode }),
      }),
    async connect(provider: MemoryProvider): Promise<void> {
      expect(await stack.run(provider)).toBe('REDIRECT');
      const url = provider.authorizationUrl;
      if (url === undefined) throw new Error('no authorization URL');
      expect(url.searchParams.get('resource')).toBe(MCP.salesforce);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(await stack.run(provider, await signInAndConsent(url, issuer))).toBe('AUTHORIZED');
    },
  } as SdkStack;

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
    const server = prm;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    prmUrl = new URL(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/oauth-protected-resource/mcp`,
    );
    cert = await createTestCert();
    stack.docs = await startDocServer(cert);
    stack.svc = await startTestService({
      now: () => stack.clock,
      env: {
        MANDATE_DYNAMIC_CLIENT_TTL: String(DYNAMIC_TTL),
        MANDATE_CIMD_ALLOWED_HOSTS: 'localhost',
        MANDATE_CIMD_CA_FILE: cert.certPath,
      },
      resources: [
        { resource: MCP.salesforce, name: 'Salesforce MCP', scopes_supported: ['crm.read', 'crm.write'] },
      ],
    });
    issuer = stack.svc.issuer;
  });
  afterAll(async () => {
    await (stack.svc as TestService | undefined)?.close();
    await (stack.docs as DocServer | undefined)?.close();
    await cert?.dispose();
    await new Promise<void>((resolve) => (prm ? prm.close(() => resolve()) : resolve()));
  });
  return stack;
}

/** What the user does in the browser: sign in at the development IdP as alice, then allow. */
async function signInAndConsent(authorizationUrl: URL, issuer: string): Promise<string> {
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
  expect(back.searchParams.get('iss')).toBe(issuer);
  expect(back.searchParams.get('state')).toBe('sdk-state-1');
  const code = back.searchParams.get('code');
  expect(code).toBeTruthy();
  return code ?? '';
}
