/**
 * A tool call the policy allows only once a person approves it (`require_approval`, ADR 0014),
 * evaluated through AuthZEN on a real Mandate (real Postgres, a Rego bundle compiled by OPA, real
 * HTTP): a tool call cannot wait for a person, so the decision is false, and it is no plain deny:
 * `context.approval_required` is true with the policy's binding message and ttl (the documented
 * marker, docs/mcp-server-kit.md), audited as the refusal it is. The same policy's plain deny and
 * allow are answered as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, SECRETS, type TestService } from '../../helpers/service.js';
import {
  aliceWorkdayToken,
  OTHER_TOOLS_REFUSED,
  startToolApprovalService,
} from '../../helpers/tool-approval.js';

let ts: TestService;

beforeAll(async () => {
  ts = await startToolApprovalService('tool-approval', OTHER_TOOLS_REFUSED);
}, 120_000);
afterAll(async () => ts?.close());

async function evaluate(tool: string, args: Record<string, unknown>) {
  const { token, claims } = await aliceWorkdayToken(ts, 300);
  const res = await fetch(`${ts.url}/access/v1/evaluation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic('mcp-workday', SECRETS.workday) },
    body: JSON.stringify({
      subject: { type: 'user', id: 'alice', properties: { token } },
      action: { name: 'tool_call' },
      resource: { type: 'mcp_tool', id: tool, properties: { arguments: args } },
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, jti: claims.jti };
}

async function decisionEvent(jti: string) {
  const res = await ts.db.db.query<{ event: { data: Record<string, unknown> } }>(
    `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision'
       AND event->'data'->'input'->'context'->>'token_jti' = $1 ORDER BY sequence DESC LIMIT 1`,
    [jti],
  );
  return res.rows[0]?.event.data;
}

describe('AuthZEN evaluation of a tool call that needs an approval', () => {
  it('is decision false with context.approval_required, the binding message and ttl', async () => {
    const res = await evaluate('request_time_off', { days: 12 });
    expect(res.status).toBe(200);
    const event = await decisionEvent(res.jti);
    expect(res.body).toEqual({
      decision: false,
      context: {
        id: event?.decision_id,
        approval_required: true,
        binding_message: 'Time off of more than 5 days needs your approval',
        ttl_seconds: 900,
        reason_admin: { en: 'approval_unsupported' },
        reason_user: { en: 'Time off of more than 5 days needs your approval' },
      },
    });
    // Audited as the refusal it is, with the obligation the policy asked for.
    expect(event).toMatchObject({
      result: { allow: true },
      enforced: {
        allow: false,
        reasons: [{ code: 'approval_unsupported' }],
        obligations: {
          require_approval: { binding_message: 'Time off of more than 5 days needs your approval' },
        },
      },
    });
  });

  it('a plain deny carries no approval marker; an allow is an allow', async () => {
    const denied = await evaluate('delete_everything', {});
    expect(denied.body.decision).toBe(false);
    expect(denied.body.context).not.toHaveProperty('approval_required');
    expect(denied.body.context).toMatchObject({ reason_admin: { en: 'unknown_tool' } });
    expect((await evaluate('request_time_off', { days: 3 })).body).toEqual({ decision: true });
  });
});
