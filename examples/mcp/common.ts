/**
 * What both example MCP servers share: the MCP SDK v2's HTTP handler (`createMcpHandler`, a fresh
 * server per request) on its own Express adapter (`@modelcontextprotocol/express`, mounted with
 * `toNodeHandler` as in the SDK's "Serve with Express" guide), guarded by the kit (RFC 9728
 * metadata, token check, every tool call decided by Mandate's policy through AuthZEN, with step-up),
 * an exchange client for the second hop, and hooks that tell the demo what happened. The SDK's handler serves 2026-07-28 requests (and checks
 * their `Mcp-Method` / `Mcp-Name` headers against the body) and 2025-era requests statelessly.
 */
import type { Server } from 'node:http';
import type { Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  type CallToolResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import {
  createExchangeClient,
  createToolPolicy,
  type DownstreamToken,
  type ExchangeClient,
  ExchangeError,
  type ResourceServer,
  type ToolAttributes,
  type ToolPolicy,
  type VerifiedAccess,
} from '@mandate/mcp-kit';
import {
  protectedResourceMetadataHandler,
  requireAccess,
  type RequireAccessOptions,
} from '@mandate/mcp-kit/express';

export interface McpServerOptions {
  /** Mandate's issuer. */
  issuer: string;
  /** The MCP server's client secret at Mandate (examples/mandate.json). */
  clientSecret: string;
  /** The MCP server's resource identifier (default: the one in rego/mandate/data.json). */
  resource?: string;
  /** The downstream API's base URL (default: its name in data.json; see examples/lib/hosts.ts). */
  apiBaseUrl?: string;
  /** Used for exchanges and API calls (the demo passes a hosts fetch). */
  fetch?: typeof fetch;
  port?: number;
  /** Told about every exchange the tools ask for: the demo prints these. */
  onExchange?: (event: ExchangeEvent) => void;
}

export interface ExchangeEvent {
  server: string;
  tool: string;
  sub: string;
  service: string;
  scopes: readonly string[];
  /** `approval_required` / `approval_pending`: the policy wants a person first (approval.ts). */
  outcome: 'issued' | 'cached' | 'refused' | 'approval_required' | 'approval_pending';
  /** Issued after a person approved it (OpenID CIBA poll). */
  approved?: true;
  /** The answer to the CIBA poll (issued once approved; refused once denied or expired), not to an exchange. */
  polled?: true;
  /** `approval_pending`: how long the request stays open and how often the server polls (seconds). */
  expiresIn?: number;
  interval?: number;
  /** Set when the token was for reading what the policy decides the call on, not for the tool. */
  forPolicy?: true;
  jti?: string;
  tokenType?: string;
  grantedScopes?: string[];
  expiresAt?: number;
  act?: unknown;
  /** What a connector passed through from the service's own authorization server (`instance_url`, …). */
  extra?: Readonly<Record<string, unknown>>;
  error?: string;
  description?: string;
}

export interface RunningMcpServer {
  url: string;
  resource: string;
  exchange: ExchangeClient;
  close(): Promise<void>;
}

/** A tool's result as text: the MCP client shows it to the model. */
export const text = (value: unknown, isError = false): CallToolResult => ({
  content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
  ...(isError ? { isError: true } : {}),
});

/** Who asks for a downstream token, for the demo's account of it. */
export interface ExchangeContext {
  server: string;
  tool: string;
  exchange: ExchangeClient;
  onExchange?: (e: ExchangeEvent) => void;
  forPolicy?: true;
}

/** A downstream token for `service`, or the exchange's refusal; either is told to `onExchange`. */
export async function downstreamToken(
  ctx: ExchangeContext,
  auth: VerifiedAccess,
  service: string,
  scopes: string[],
): Promise<DownstreamToken | ExchangeError> {
  const before = ctx.exchange.exchanges;
  const base = {
    server: ctx.server,
    tool: ctx.tool,
    sub: auth.sub,
    service,
    scopes,
    ...(ctx.forPolicy === undefined ? {} : { forPolicy: ctx.forPolicy }),
  };
  let token: DownstreamToken;
  try {
    token = await ctx.exchange.getDownstreamToken(auth.token, service, scopes);
  } catch (err) {
    if (!(err instanceof ExchangeError)) throw err;
    ctx.onExchange?.({ ...base, outcome: 'refused', error: err.error, description: err.description });
    return err;
  }
  ctx.onExchange?.({
    ...base,
    outcome: ctx.exchange.exchanges > before ? 'issued' : 'cached',
    ...(token.jti === undefined ? {} : { jti: token.jti }),
    tokenType: token.tokenType,
    grantedScopes: token.scopes,
    expiresAt: token.expiresAt,
    act: token.act,
    ...(Object.keys(token.extra).length === 0 ? {} : { extra: token.extra }),
  });
  return token;
}

/**
 * Runs `work` with a downstream token for `service`; a refusal becomes a tool error the user can
 * read (the policy's reason), never an exception that would surface as a protocol error.
 */
export async function withDownstream(
  ctx: ExchangeContext,
  auth: VerifiedAccess,
  service: string,
  scopes: string[],
  work: (token: DownstreamToken) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const token = await downstreamToken(ctx, auth, service, scopes);
  return token instanceof ExchangeError ? text(token.explain(), true) : work(token);
}

/** Reads an API response: JSON on success, a tool error with the API's answer otherwise. */
export async function apiResult(res: globalThis.Response): Promise<CallToolResult> {
  const body: unknown = await res.json().catch(() => null);
  return res.ok ? text(body) : text({ status: res.status, error: body }, true);
}

/**
 * The kit's verified access: `requireAccess` sets it as `req.auth`, `toNodeHandler` forwards it to
 * the SDK's handler, and tools read it as `ctx.http.authInfo`.
 */
export function accessFrom(ctx: Pick<ServerContext, 'http'>): VerifiedAccess {
  const auth = ctx.http?.authInfo as VerifiedAccess | undefined;
  if (auth === undefined) throw new Error('the MCP endpoint is not guarded by the kit');
  return auth;
}

export function exchangeClient(
  opts: McpServerOptions,
  clientId: string,
  authMethod: 'client_secret_basic' | 'client_secret_post',
  services: Record<string, { resource: string; dpop?: boolean }>,
): ExchangeClient {
  return createExchangeClient({
    issuer: opts.issuer,
    clientId,
    clientSecret: opts.clientSecret,
    authMethod,
    services,
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
  });
}

/**
 * The MCP server's policy client: every tool call is asked of Mandate's AuthZEN endpoint as the
 * server's own client (the secret it exchanges with), with what `attributes` read per tool.
 */
export function toolPolicy(
  opts: McpServerOptions,
  clientId: string,
  attributes: Readonly<Record<string, ToolAttributes>> = {},
): ToolPolicy {
  return createToolPolicy({
    issuer: opts.issuer,
    clientId,
    clientSecret: opts.clientSecret,
    attributes,
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
  });
}

/**
 * Serves `build()`'s MCP server statelessly at `/mcp` behind the kit (`access.policy` decides its
 * tool calls; there is no serving without one): `createMcpHandler` builds a fresh server per request;
 * `createMcpExpressApp` parses JSON (which `requireAccess` needs to read tool calls) and checks
 * `Host`/`Origin` for the loopback bind.
 */
export async function serveMcp(
  rs: ResourceServer,
  access: RequireAccessOptions & { policy: ToolPolicy },
  build: () => McpServer,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = createMcpExpressApp();
  const handler = createMcpHandler(build);
  const node = toNodeHandler(handler);
  app.get(rs.metadataPath, protectedResourceMetadataHandler(rs));
  app.post('/mcp', requireAccess(rs, access), (req: Request, res: Response) => {
    void node(req, res, req.body);
  });
  const notAllowed = (_req: Request, res: Response) => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  const http = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const addr = http.address();
  const p = typeof addr === 'object' && addr !== null ? addr.port : port;
  return {
    url: `http://127.0.0.1:${p}`,
    close: async () => {
      await handler.close();
      await new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      });
    },
  };
}
