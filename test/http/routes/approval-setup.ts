/**
 * For the CIBA route tests (bc-authorize, approvals): a test Mandate whose policy wants a person to
 * approve crm.write (ADR 0014), the first hop's test clients and resources (so a browser can log in
 * through the dev IdP), and a way to start an approval as mcp-salesforce.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { post, subjectClaims } from '../../helpers/exchange.js';
import { PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';

const POLICY = `package mcp.authz

writes if "crm.write" in input.scopes

allowed := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": []}

decision := object.union(allowed, {"obligations": {"require_approval": {
  "binding_message": "alice asks to write to the CRM", "ttl_seconds": 60}}}) if writes

decision := object.union(allowed, {"obligations": {}}) if not writes
`;

export async function startApprovalService(): Promise<TestService> {
  const bundle = await buildBundle(join(tempDir(), 'approval.tar.gz'), { src: writePolicy(POLICY) });
  return startTestService({
    env: { MANDATE_POLICY_BUNDLE: bundle },
    clients: [PUBLIC_CLIENT],
    resources: RESOURCES,
  });
}

export const sfAuth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };

/** POST /bc-authorize as mcp-salesforce for alice, crm.write by default. */
export async function askApproval(svc: TestService, params: Record<string, string> = {}) {
  return post(
    `${svc.issuer}/bc-authorize`,
    form({
      login_hint_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      resource: API.salesforce,
      scope: 'crm.write',
      ...params,
    }),
    sfAuth,
  );
}

/** The approval's id (its page's path segment) for an auth_req_id. */
export async function approvalIdOf(svc: TestService, authReqId: string): Promise<string> {
  const hash = createHash('sha256').update(authReqId).digest('base64url');
  const res = await svc.db.db.query<{ id: string }>('SELECT id FROM approvals WHERE auth_req_id_hash = $1', [
    hash,
  ]);
  return res.rows[0]!.id;
}
