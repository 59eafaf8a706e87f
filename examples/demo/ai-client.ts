/**
 * The AI client of the demo: the MCP TypeScript SDK's Client and streamable HTTP transport,
 * unmodified, with an OAuthClientProvider for a pre-registered public client (examples/mandate.json
 * `demo-mcp-client`, PKCE, loopback redirect URI) whose "browser" is headless. A tap on its fetch
 * reports what crossed the wire (challenges, tokens by `jti` and claims, never the tokens).
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
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
  private info: OAuthClientInformationMixed = { client_id: DEMO_CLIENT_ID };
  private saved: OAuthTokens | undefined;
  private verifier = '';
  private readonly stateValue = randomBytes(16).toString('base64url');
  code: string | undefined;

  constructor(
    private readonly user: { username: string; password: string },
    private readonly issuer: () => string,
    private readonly browser: HeadlessBrowser,
    private readonly onHop: (hop: Hop) => void,
  ) {}

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
  clientInformation(): OAuthClientInformationMixed {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    const { refresh_token: _dropped, ...rest } = tokens;
    this.saved = rest;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    const before = this.browser.steps.length;
    this.code = await this.browser.authorize(url, this.user, REDIRECT_URI, {
      state: this.stateValue,
      issuer: this.issuer(),
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
  takeCode(): string {
    const code = this.code;
    this.code = undefined;
    if (code === undefined) throw new Error('no authorization code');
    return code;
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
  private issuer = '';

  constructor(
    private readonly user: { username: string; password: string },
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
      if (url.endsWith('/.well-known/oauth-authorization-server') && res.ok)
        this.issuer = ((await res.clone().json()) as { issuer: string }).issuer;
      if (
        res.ok &&
        (init?.method ?? 'GET') === 'POST' &&
        this.issuer !== '' &&
        url === `${this.issuer}/token`
      ) {
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
    const provider = new HeadlessProvider(this.user, () => this.issuer, this.browser, this.onHop);
    for (let attempt = 0; attempt < 2; attempt++) {
      const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
        authProvider: provider,
        fetch: this.tap,
      });
      const client = new Client({ name: 'mandate-demo-ai-client', version: '1.0.0' });
      try {
        await client.connect(transport);
        const conn = { client, transport, provider };
        this.connections.set(serverUrl, conn);
        return conn;
      } catch (err) {
        if (!(err instanceof UnauthorizedError)) throw err;
        // The user went through the browser; the code completes the flow (RFC 6749 §4.1.3).
        await transport.finishAuth(provider.takeCode());
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
      await conn.transport.finishAuth(conn.provider.takeCode());
      return (await conn.client.callTool({ name, arguments: args })) as CallToolResult;
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) await c.client.close();
    this.connections.clear();
  }
}
