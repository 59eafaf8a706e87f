/**
 * The MCP TypeScript SDK v2 client (`@modelcontextprotocol/client` 2.4), unmodified, against a real
 * Mandate (development IdP, examples/mandate.json, a test Postgres database) and the example MCP
 * servers over real HTTP, with its own DPoP support (RFC 9449, MCP SEP-1932): the provider hands the
 * SDK a `DpopSession`; the SDK signs a proof into the code exchange and gets a DPoP-bound token
 * (`cnf.jkt`), presents it to the kit-protected server as `Authorization: DPoP` with a fresh proof
 * per request, steps up on `403 insufficient_scope` (one challenge carrying every scope the call
 * needs) and obtains a bound token again. The same token presented as a Bearer token is refused. The
 * client speaks 2026-07-28, so every POST carries `Mcp-Method` and, for a tool call, `Mcp-Name`.
 */
import {
  Client,
  DpopSession,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser } from '../../examples/demo/browser.js';
import { startMandate, type DemoMandate } from '../../examples/demo/mandate.js';
import { SALESFORCE_MCP } from '../../examples/mcp/salesforce-server.js';
import { startExamples, type Examples } from '../../examples/stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { toolText } from '../examples/helpers.js';

const REDIRECT = 'http://127.0.0.1:47115/callback';

/** An application's OAuthClientProvider: in memory, pre-registered public client, DPoP on. */
class DpopProvider implements OAuthClientProvider {
  private info: StoredOAuthClientInformation;
  private saved: StoredOAuthTokens | undefined;
  private discovery: OAuthDiscoveryState | undefined;
  private verifier = '';
  private readonly browser = new HeadlessBrowser();
  callback: URLSearchParams | undefined;
  readonly authorizations: URL[] = [];

  constructor(
    private readonly issuer: string,
    private readonly session: DpopSession,
  ) {
    this.info = { client_id: 'demo-mcp-client', issuer };
  }
  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
  }
  state(): string {
    return 'v2-dpop-state';
  }
  clientInformation(): StoredOAuthClientInformation {
    return this.info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations.push(url);
    this.callback = await this.browser.authorize(
      url,
      { username: 'alice', password: 'alice-demo' },
      REDIRECT,
      { state: 'v2-dpop-state', issuer: this.issuer },
    );
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  dpop(): DpopSession {
    return this.session;
  }
  take(): URLSearchParams {
    const c = this.callback;
    this.callback = undefined;
    if (c === undefined) throw new Error('no authorization response');
    return c;
  }
}

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  status: number;
  wwwAuthenticate: string | null;
  body?: Record<string, unknown>;
}

let db: TestDatabase;
let mandate: DemoMandate;
let ex: Examples;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
  mandate = await startMandate({ DATABASE_URL: db.url });
  ex = await startExamples({ issuer: mandate.issuer, secrets: mandate.secrets });
}, 60_000);
afterAll(async () => {
  await ex?.close();
  await mandate?.close();
  await db?.drop();
});

describe('MCP SDK v2 client with DPoP against Mandate and a kit-protected server', () => {
  it('login with a DPoP-bound token, tool calls with proofs, step-up, and no Bearer downgrade', async () => {
    const session = await DpopSession.create();
    const provider = new DpopProvider(mandate.issuer, session);
    const seen: Seen[] = [];
    const tap = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
      const res = await ex.fetch(input, init);
      const body =
        url === `${mandate.issuer}/token` && res.ok
          ? ((await res.clone().json()) as Record<string, unknown>)
          : undefined;
      seen.push({
        url,
        method: init?.method ?? 'GET',
        headers,
        status: res.status,
        wwwAuthenticate: res.headers.get('www-authenticate'),
        ...(body ? { body } : {}),
      });
      return res;
    }) as typeof fetch;

    const connect = async (): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const transport = new StreamableHTTPClientTransport(new URL(SALESFORCE_MCP), {
          authProvider: provider,
          fetch: tap,
        });
        // Opt in to 2026-07-28 (the SDK's default is still the 2025 handshake): server/discover first.
        const client = new Client(
          { name: 'mandate-v2-dpop-test', version: '1.0.0' },
          { versionNegotiation: { mode: 'auto' } },
        );
        try {
          await client.connect(transport);
          return { client, transport };
        } catch (err) {
          if (!(err instanceof UnauthorizedError)) throw err;
          await transport.finishAuth(provider.take());
        }
      }
      throw new Error('could not connect');
    };

    const { client, transport } = await connect();
    try {
      // Login: code + PKCE for this resource, a DPoP proof on the code exchange, a bound token.
      const [first] = provider.authorizations;
      expect(first?.searchParams.get('resource')).toBe(SALESFORCE_MCP);
      expect(first?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(first?.searchParams.get('scope')).toBe('crm.read');
      const exchange = seen.find((s) => s.url === `${mandate.issuer}/token` && s.status === 200);
      expect(exchange?.headers.get('dpop')).toBeTruthy();
      expect(exchange?.body).toMatchObject({ token_type: 'DPoP', scope: 'crm.read' });
      const token = String(provider.tokens()?.access_token);
      expect(decodeJwt(token)).toMatchObject({
        aud: SALESFORCE_MCP,
        sub: 'alice',
        client_id: 'demo-mcp-client',
        cnf: { jkt: session.thumbprint },
      });

      const accounts = toolText(await client.callTool({ name: 'search_accounts', arguments: { query: '' } }));
      expect(accounts.isError).toBe(false);
      expect(accounts.json).toMatchObject({ accounts: [{ id: 'acc-001' }, { id: 'acc-002' }] });
      const call = seen.findLast((s) => s.url === SALESFORCE_MCP && s.status === 200);
      expect(call?.headers.get('authorization')).toBe(`DPoP ${token}`);
      expect(decodeJwt(String(call?.headers.get('dpop')))).toMatchObject({
        htm: 'POST',
        htu: SALESFORCE_MCP,
      });
      // 2026-07-28 transport headers (SEP-2243), which the SDK's handler checks against the body.
      expect(call?.headers.get('mcp-method')).toBe('tools/call');
      expect(call?.headers.get('mcp-name')).toBe('search_accounts');

      // Step-up: one 403 names every scope the call needs; the SDK authorizes again, still bound.
      const update = () =>
        client.callTool({
          name: 'update_opportunity_stage',
          arguments: { id: 'opp-102', stage: 'Proposal' },
        });
      let result;
      try {
        result = await update();
      } catch (err) {
        if (!(err instanceof UnauthorizedError)) throw err;
        await transport.finishAuth(provider.take());
        result = await update();
      }
      const refused = seen.find((s) => s.url === SALESFORCE_MCP && s.status === 403);
      expect(refused?.wwwAuthenticate).toContain('error="insufficient_scope"');
      expect(refused?.wwwAuthenticate).toContain('scope="crm.read crm.write"');
      expect(provider.authorizations[1]?.searchParams.get('scope')).toBe('crm.read crm.write');
      expect(toolText(result).json).toMatchObject({ id: 'opp-102', stage: 'Proposal' });
      const stepped = String(provider.tokens()?.access_token);
      expect(decodeJwt(stepped)).toMatchObject({
        scope: 'crm.read crm.write',
        cnf: { jkt: session.thumbprint },
      });

      // RFC 9449 §7.1: a DPoP-bound token presented as a Bearer token is refused.
      const downgrade = await ex.fetch(SALESFORCE_MCP, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stepped}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/list' }),
      });
      expect(downgrade.status).toBe(401);
      expect(downgrade.headers.get('www-authenticate')).toContain('error="invalid_token"');
    } finally {
      await client.close();
    }
  });
});
