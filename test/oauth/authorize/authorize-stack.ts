/**
 * The authorization endpoint's core parts for its twin tests (authorize-decision, issue-code,
 * consent): a throwaway database on the test Postgres with the real code and consent stores and
 * the real audit outbox, a real policy compiled with opa, and a few clients in memory.
 */
import { join } from 'node:path';
import { createOutboxAudit, type OutboxAudit } from '../../../src/audit/outbox.js';
import { createMemoryLogger } from '../../../src/log.js';
import type { AuthorizationRequest } from '../../../src/oauth/authorize/authorization-request.js';
import type { LoginSession } from '../../../src/oauth/authorize/login-port.js';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import type { FirstHopContext } from '../../../src/oauth/first-hop.js';
import { createResourceRegistry } from '../../../src/oauth/protected-resources.js';
import { createDecisionService, type PolicyDecisionService } from '../../../src/policy/engine.js';
import { createAuthorizationCodeRepo } from '../../../src/store/authorization-codes.js';
import { createConsentRepo } from '../../../src/store/consents.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';

export const ISSUER = 'https://mandate.example';
export const MCP = 'https://mcp.example/mcp';
export const REDIRECT = 'https://app.example/cb';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** Client `app` may reach the server without `admin`; `blocked` is denied with reasons, `silent` without. */
const POLICY = `package mcp.authz

default decision := {"allow": false, "reasons": []}

decision := {"allow": true, "scopes": [s | some s in input.scopes; s != "admin"], "ttl_seconds": 300,
  "reasons": [], "obligations": {}} if input.client.client_id == "app"

decision := {"allow": false, "reasons": [
  {"code": "client_not_allowed", "message": "this client may not reach this server"},
  {"code": "scope_not_allowed", "message": "nor with these scopes"}]} if input.client.client_id == "blocked"
`;

export const client = (clientId: string): OAuthClient => ({
  clientId,
  clientName: `${clientId} (name)`,
  tokenEndpointAuthMethod: 'none',
  grantTypes: ['authorization_code'],
  audiences: [],
  trust: 'dynamic',
  redirectUris: [REDIRECT],
});

export const session: LoginSession = {
  sid: 'sid-1',
  subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: { name: 'Alice' } },
  authTime: 1_000,
};

export const request = (over: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
  client: client('app'),
  redirectUri: REDIRECT,
  redirectUriSent: true,
  state: 'xyz',
  codeChallenge: CHALLENGE,
  resource: { resource: MCP, name: 'MCP', scopesSupported: ['read', 'write', 'admin'] },
  scopes: ['read', 'admin'],
  dpopJkt: undefined,
  prompt: [],
  ...over,
});

export interface AuthorizeStack {
  t: TestDatabase;
  ctx: FirstHopContext;
  /** A context whose audit log takes nothing (a closed outbox). */
  auditDown(): Promise<FirstHopContext>;
  /** The outbox's events written since the last call. */
  events(): Promise<{ type: string; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

export async function startAuthorizeStack(now: () => number): Promise<AuthorizeStack> {
  const t = await createTestDatabase();
  const bundlePath = await buildBundle(join(tempDir(), 'authorize.tar.gz'), { src: writePolicy(POLICY) });
  const decisions: PolicyDecisionService = await createDecisionService({
    bundlePath,
    log: createMemoryLogger(),
  });
  const outbox = (): OutboxAudit =>
    createOutboxAudit({ db: t.db, source: ISSUER, log: createMemoryLogger() });
  const audit = outbox();
  const clients = new Map(['app', 'blocked', 'silent'].map((id) => [id, client(id)]));
  const ctx = {
    issuer: ISSUER,
    clients: { get: async (id: string) => clients.get(id) },
    decisions,
    audit,
    log: createMemoryLogger(),
    now,
    firstHop: {
      resources: createResourceRegistry([
        { resource: MCP, name: 'MCP', scopes_supported: ['read', 'write', 'admin'] },
      ]),
      codes: createAuthorizationCodeRepo(t.db),
      consents: createConsentRepo(t.db),
      authCodeTtl: 60,
    },
  } as unknown as FirstHopContext;
  let seen = 0;
  return {
    t,
    ctx,
    async auditDown() {
      const closed = outbox();
      await closed.close();
      return { ...ctx, audit: closed };
    },
    async events() {
      const res = await t.db.query<{
        sequence: string;
        event: { type: string; data: Record<string, unknown> };
      }>('SELECT sequence, event FROM outbox WHERE sequence > $1 ORDER BY sequence', [seen]);
      if (res.rows.length > 0) seen = Number(res.rows.at(-1)!.sequence);
      return res.rows.map((r) => r.event);
    },
    async close() {
      await audit.close();
      await decisions.close();
      await t.drop();
    },
  };
}
