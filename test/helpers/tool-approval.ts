/**
 * The Mandate of the tool-approval tests (ADR 0014 "Tool calls": test/e2e/kit-tool-approval,
 * test/oauth/authzen/tool-approval and evaluate.approval): a Rego policy compiled by OPA under
 * which `request_time_off` for more than 5 days needs a person's approval, and alice's access
 * token for the Workday MCP server, signed by Mandate's own signer.
 */
import { join } from 'node:path';
import { mintAccessToken } from '../../src/oauth/tokens/mint-access-token.js';
import { buildBundle, tempDir, writePolicy } from '../policy/helpers.js';
import { MCP, startTestService, type TestService, type TestServiceOptions } from './service.js';

/** The binding message of the approval the policy asks for. */
export const TIME_OFF_WHY = 'Time off of more than 5 days needs your approval';

const NEEDS_APPROVAL = `package mcp.authz

days := object.get(object.get(input.context, "arguments", {}), "days", 0)

base := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": []}

decision := object.union(base, {"obligations": {"require_approval": {
  "binding_message": "${TIME_OFF_WHY}", "ttl_seconds": 900}}}) if {
  input.context.tool == "request_time_off"
  days > 5
}
`;

/** The rest of the policy for the kit: a call of any other tool is allowed, with no obligation. */
export const OTHER_TOOLS_ALLOWED = `
decision := object.union(base, {"obligations": {}}) if {
  input.context.tool != "request_time_off"
}
`;

/** The rest for AuthZEN: 5 days or fewer are allowed, any other tool is refused as `unknown_tool`. */
export const OTHER_TOOLS_REFUSED = `
decision := object.union(base, {"obligations": {}}) if {
  input.context.tool == "request_time_off"
  days <= 5
}

decision := {"allow": false, "scopes": [], "ttl_seconds": 0, "obligations": {},
  "reasons": [{"code": "unknown_tool", "message": "not a tool here"}]} if {
  input.context.tool != "request_time_off"
}
`;

/** A test Mandate under the approval rule and `rest` (the bundle named `name`), with `opts`. */
export async function startToolApprovalService(
  name: string,
  rest: string,
  opts: TestServiceOptions = {},
): Promise<TestService> {
  const bundle = await buildBundle(join(tempDir(), `${name}.tar.gz`), {
    src: writePolicy(NEEDS_APPROVAL + rest),
  });
  return startTestService({ ...opts, env: { MANDATE_POLICY_BUNDLE: bundle, ...opts.env } });
}

/**
 * Alice's access token (and its claims) for the Workday MCP server, through claude-desktop (also
 * test/e2e/kit-approval's, under the shipped policy).
 */
export function aliceWorkdayToken(ts: TestService, ttlSeconds: number) {
  return mintAccessToken(ts.service.ctx.signer, {
    issuer: ts.issuer,
    sub: 'alice',
    aud: MCP.workday,
    clientId: 'claude-desktop',
    scopes: ['hr.timeoff.write'],
    ttlSeconds,
    now: Math.floor(Date.now() / 1000),
  });
}
