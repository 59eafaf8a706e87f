/**
 * The backchannel authentication endpoint's context for its twin tests: the service's protocol
 * context as src/service.ts builds it (test/wiring/parts.ts: examples/mandate.json's clients,
 * Mandate's keys, the token verifier, DPoP proofs, the approval store, on a throwaway Postgres
 * database), with a real policy compiled with opa and the real audit outbox in place of the no-op.
 */
import { join } from 'node:path';
import { createOutboxAudit } from '../../../src/audit/outbox.js';
import { createMemoryLogger } from '../../../src/log.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { Params } from '../../../src/oauth/params.js';
import type { TokenRequest } from '../../../src/oauth/token-request.js';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';
import { createDecisionService } from '../../../src/policy/engine.js';
import { basic, form } from '../../helpers/service.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';
import { buildParts, type Parts } from '../../wiring/parts.js';

export const MCP_SERVER = 'https://mcp.salesforce.example/mcp';
export const API = 'https://api.salesforce.example';
/** mcp-salesforce's secret in examples/mandate.json. */
export const salesforceAuth = basic('mcp-salesforce', 'demo-salesforce-mcp-secret-change-me-0001');

/** The scope asked for picks the answer. */
const POLICY = `package mcp.authz

allow(obligations) := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": [],
  "obligations": obligations}

approval := {"binding_message": "alice asks to write to the CRM", "ttl_seconds": 120}

decision := allow({"require_approval": approval}) if input.scopes == ["crm.write"]

decision := allow({"require_approval": approval, "require_dpop": true}) if input.scopes == ["bound"]

decision := allow({}) if input.scopes == ["crm.read"]

decision := {"allow": false, "reasons": [{"code": "scope_not_allowed", "message": "not for you"}]} if {
  input.scopes == ["denied"]
}
`;

export interface BackchannelStack {
  parts: Parts;
  ctx: OAuthContext;
  /** A context whose audit log takes nothing (a closed outbox). */
  auditDown(): Promise<OAuthContext>;
  /** Alice's access token from the AI client for the Salesforce MCP server (Mandate's own). */
  subjectToken(over?: { aud?: string; ttl?: number; now?: number }): Promise<string>;
  /** A request to /bc-authorize with these parameters, as mcp-salesforce unless told otherwise (null: no Authorization). */
  request(params: Record<string, string | string[] | undefined>, authorization?: string | null): TokenRequest;
  /** The outbox's events written since the last call. */
  events(): Promise<{ type: string; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

export async function startBackchannelStack(): Promise<BackchannelStack> {
  const parts = await buildParts();
  const bundlePath = await buildBundle(join(tempDir(), 'bc.tar.gz'), { src: writePolicy(POLICY) });
  const decisions = await createDecisionService({ bundlePath, log: createMemoryLogger() });
  const { db } = parts.store;
  const base = parts.protocol.ctx;
  const outbox = () => createOutboxAudit({ db, source: base.issuer, log: createMemoryLogger() });
  const audit = outbox();
  const ctx: OAuthContext = { ...base, decisions, audit, log: createMemoryLogger() };
  let seen = 0;
  return {
    parts,
    ctx,
    async auditDown() {
      const closed = outbox();
      await closed.close();
      return { ...ctx, audit: closed };
    },
    async subjectToken(over = {}) {
      const minted = await mintAccessToken(parts.keys.signing, {
        issuer: base.issuer,
        sub: 'alice',
        aud: over.aud ?? MCP_SERVER,
        clientId: 'demo-mcp-client',
        scopes: ['crm.read', 'crm.write', 'bound', 'denied'],
        ttlSeconds: over.ttl ?? 600,
        now: over.now ?? base.now(),
      });
      return minted.token;
    },
    request: (params, authorization = salesforceAuth) => ({
      params: Params.parse(form({ resource: API, ...params })),
      authorization: authorization ?? undefined,
      dpop: [],
      method: 'POST',
      url: base.endpoints.backchannelAuthentication,
      ip: '192.0.2.7',
    }),
    async events() {
      const res = await db.query<{
        sequence: string;
        event: { type: string; data: Record<string, unknown> };
      }>('SELECT sequence, event FROM outbox WHERE sequence > $1 ORDER BY sequence', [seen]);
      if (res.rows.length > 0) seen = Number(res.rows.at(-1)!.sequence);
      return res.rows.map((r) => r.event);
    },
    async close() {
      await audit.close();
      await decisions.close();
      await parts.close();
    },
  };
}
