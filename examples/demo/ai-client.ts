/**
 * The AI client of the demo: the MCP TypeScript SDK v2's Client and streamable HTTP transport
 * (`@modelcontextprotocol/client`), unmodified, with an OAuthClientProvider for a pre-registered public client (examples/mandate.json
 * `demo-mcp-client`, PKCE, loopback redirect URI) whose "browser" is headless. A tap on its fetch
 * reports what crossed the wire (challenges, tokens by `jti` and claims, never the tokens).
 */
import { randomBytes } from 'node:crypto';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type CallToolResult,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { HeadlessBrowser } from './browser.js';

export const DEMO_CLIENT_ID = 'demo-mcp-client';
/** Loopback redirect URI: any port is accepted for loopback (RFC 8252 §7.3); nothing listens here. */
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

export type Hop =
  | { kind: 'challenge'; server: string; status: number; wwwAuthenticate: string }
  | { kind: 'authorize'; resource: string | null; scope: string | null; steps: string[] }
  | {
      kind: 'token';
      grant: string;
      jti: string;
      aud: unknown;
      scope: string;
      expiresIn: number;
      clientId: unknown;
    };

/**
 * One provider per (user, MCP server): tokens are per resource. It keeps no refresh token: a refresh
 * cannot add scopes (RFC 6749 §6), so after a 403 `insufficient_scope` the SDK must authorize
 * again rather than refresh (modelcontextprotocol/typescript-sdk#2255).
 */
class HeadlessProvider implements OAuthClientProvider {
  /** Pre-registered at Mandate: stamped with its issuer, so the SDK sends it to no other AS (SEP-2352). */
  private info: StoredOAuthClientInformation;
  private saved: StoredOAuthTokens | undefined;
  private discovery: OAuthDiscoveryState | undefined;
  private verifier = '';
  private readonly stateValue = randomBytes(16).toString('base64url');
  callback: URLSearchParams | undefined;

  constructor(
    private readonly user: { username: string; password: string },
    private readonly issuer: string,
    private readonly browser: HeadlessBrowser,
    private readonly onHop: (hop: Hop) => void,
  ) {
    this.info = { client_id: DEMO_CLIENT_ID, issuer };
  }

  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Demo MCP client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    return this.stateValue;
  }
  clientInformation(): StoredOAuthClientInformation {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.info = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  /** Kept with the verifier: the code is redeemed at the AS the redirect went to (SEP-2352). */
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    const { refresh_token: _dropped, ...rest } = tokens;
    this.saved = rest;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    const before = this.browser.steps.length;
    this.callback = await this.browser.authorize(url, this.user, REDIRECT_URI, {
      state: this.stateValue,
      issuer: this.issuer,
    });
    this.onHop({
      kind: 'authorize',
      resource: url.searchParams.get('resource'),
      scope: url.searchParams.get('scope'),
      steps: this.browser.steps.slice(before),
    });
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
  }
  /** The redirect's parameters: `finishAuth` checks `iss` (RFC 9207) and redeems `code`. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    this.callback = undefined;
    if (callback === undefined) throw new Error('no authorization response');
    return callback;
  }
}

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
  provider: HeadlessProvider;
}

export class AiClient {
  private readonly browser = new HeadlessBrowser();
  private readonly connections = new Map<string, Connection>();
  private readonly tap: typeof fetch;

  /** `issuer`: Mandate's, where the demo client is registered (examples/mandate.json). */
  constructor(
    private readonly user: { username: string; password: string },
    private readonly issuer: string,
    resolve: typeof fetch,
    private readonly onHop: (hop: Hop) => void,
  ) {
    this.tap = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const res = await resolve(input, init);
      if ((res.status === 401 || res.status === 403) && res.headers.has('www-authenticate'))
        onHop({
          kind: 'challenge',
          server: url,
          status: res.status,
          wwwAuthenticate: res.headers.get('www-authenticate') ?? '',
        });
      if (res.ok && (init?.method ?? 'GET') === 'POST' && url === `${this.issuer}/token`) {
        const body = (await res.clone().json()) as {
          access_token: string;
          expires_in: number;
          scope?: string;
        };
        const claims = decodeJwt(body.access_token);
        onHop({
          kind: 'token',
          grant: new URLSearchParams(String(init?.body)).get('grant_type') ?? '',
          jti: String(claims.jti),
          aud: claims.aud,
          scope: String(claims.scope ?? body.scope ?? ''),
          expiresIn: body.expires_in,
          clientId: claims.client_id,
        });
      }
      return res;
    }) as typeof fetch;
  }

  private async connect(serverUrl: string): Promise<Connection> {
    const existing = this.connections.get(serverUrl);
    if (existing !== undefined) return existing;
    const provider = new HeadlessProvider(this.user, this.issuer, this.browser, this.onHop);
    for (let attempt = 0; attempt < 2; attempt++) {
      const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
        authProvider: provider,
        fetch: this.tap,
      });
      // 2026-07-28 when the server speaks it (server/discover first), else the 2025 handshake.
      const client = new Client(
        { name: 'mandate-demo-ai-client', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      try {
        await client.connect(transport);
        const conn = { client, transport, provider };
        this.connections.set(serverUrl, conn);
        return conn;
      } catch (err) {
        if (!(err instanceof UnauthorizedError)) throw err;
        // The user went through the browser; the code completes the flow (RFC 6749 §4.1.3).
        await transport.finishAuth(provider.takeCallback());
      }
    }
    throw new Error(`could not connect to ${serverUrl}`);
  }

  /** Calls a tool; a step-up (403 insufficient_scope → authorize again) is completed and retried. */
  async callTool(
    serverUrl: string,
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<CallToolResult> {
    const conn = await this.connect(serverUrl);
    try {
      return (await conn.client.callTool({ name, arguments: args })) as CallToolResult;
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      await conn.transport.finishAuth(conn.provider.takeCallback());
      return (await conn.client.callTool({ name, arguments: args })) as CallToolResult;
    }
  }

  /** The user opens an approval page in their browser and approves (or denies) the request. */
  decideApproval(pageUrl: string, decision: 'approve' | 'deny') {
    return this.browser.decideApproval(pageUrl, this.user, decision);
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) await c.client.close();
    this.connections.clear();
  }
}
