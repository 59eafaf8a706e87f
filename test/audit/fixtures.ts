/**
 * Realistic audit facts for the audit tests: a token exchange by an MCP server on behalf of a user,
 * with the raw credentials that must never reach an event (kept in `secrets` for the scan test).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditEntry, DecisionFact, TokenFact } from '../../src/audit/port.js';

const b64u = (n: number): string => randomBytes(n).toString('base64url');

/** A compact JWS-shaped string (header, payload, signature), unique per call. */
export function fakeJws(): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })).toString(
    'base64url',
  );
  const payload = Buffer.from(JSON.stringify({ sub: 'alice', jti: randomUUID() })).toString('base64url');
  return `${header}.${payload}.${b64u(64)}`;
}

/** Every raw credential handed to the audit port in this test process. */
export const secrets = new Set<string>();

function remember<T extends string>(s: T): T {
  secrets.add(s);
  return s;
}

export interface ExchangeOptions {
  allow?: boolean;
  sub?: string;
  action?: DecisionFact['input']['action'];
}

/** One token exchange as the protocol core reports it: a decision and, when allowed, an issuance. */
export function exchangeEntry(opts: ExchangeOptions = {}): AuditEntry & { jti: string; decisionId: string } {
  const allow = opts.allow ?? true;
  const sub = opts.sub ?? 'alice';
  const decisionId = randomUUID();
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const subjectToken = remember(fakeJws());
  const clientSecret = remember(`cs_${b64u(24)}`);
  const decision: DecisionFact = {
    input: {
      action: opts.action ?? 'token_exchange',
      now,
      subject: {
        sub,
        iss: 'https://idp.example',
        groups: ['sales'],
        scopes: ['crm.read', 'crm.write'],
        exp: now + 3600,
        // Claims are copied from the subject token; a careless IdP may put credentials in them.
        claims: { email: `${sub}@example.com`, subject_token: subjectToken, upstream: fakeJwsRemembered() },
      },
      client: { client_id: 'mcp-salesforce', trust: 'registered' },
      actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: { sub: 'claude-desktop' } },
      target: { audience: 'https://api.salesforce.example', resource: 'https://api.salesforce.example' },
      scopes: ['crm.read'],
      context: {
        dpop_jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
        auth_time: now - 60,
        ip: '10.0.0.7',
      },
    },
    decision: {
      decision_id: decisionId,
      path: 'mcp/authz/decision',
      allow,
      scopes: allow ? ['crm.read'] : [],
      ttl_seconds: allow ? 300 : 0,
      reasons: allow ? [] : [{ code: 'scope_not_allowed', message: 'crm.read is not granted to sales' }],
      obligations: { require_dpop: true },
      result: {
        allow,
        scopes: allow ? ['crm.read'] : [],
        ttl_seconds: 300,
        debug: { client_secret: clientSecret },
      },
      bundle: { revision: '2026-01-15T10:00:00Z', digest: 'sha256:' + randomBytes(32).toString('hex') },
      metrics: { timer_eval_ns: 41_250 },
      timestamp: new Date().toISOString(),
    },
  };
  const base = { action: 'token_exchange', client_id: 'mcp-salesforce', sub, decision_id: decisionId };
  const tokens: TokenFact[] = allow
    ? [
        {
          ...base,
          kind: 'issued',
          jti,
          aud: 'https://api.salesforce.example',
          scope: 'crm.read',
          token_type: 'DPoP',
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          iat: now,
          exp: now + 300,
          act: { sub: 'mcp-salesforce', act: { sub: 'claude-desktop' } },
          cnf_jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
          subject_jti: randomUUID(),
        },
      ]
    : [{ ...base, kind: 'refused', error: 'invalid_scope', reason: 'scope_not_allowed' }];
  return {
    decision,
    tokens,
    ...(allow
      ? {
          issued: {
            jti,
            sub,
            client_id: 'mcp-salesforce',
            aud: ['https://api.salesforce.example'],
            scope: 'crm.read',
            iat: now,
            exp: now + 300,
            act: { sub: 'mcp-salesforce' },
            cnf_jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            decision_id: decisionId,
          },
        }
      : {}),
    jti,
    decisionId,
  };
}

function fakeJwsRemembered(): string {
  return remember(fakeJws());
}

/** Throws naming the first raw credential found in any of `texts` (the masking scan). */
export function assertNoSecrets(texts: Iterable<string>): number {
  let scanned = 0;
  for (const text of texts) {
    scanned++;
    for (const s of secrets) {
      if (text.includes(s)) throw new Error(`raw credential leaked into an audit event: ${s.slice(0, 12)}…`);
    }
  }
  return scanned;
}
