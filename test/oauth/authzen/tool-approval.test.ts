/**
 * A tool call a person must approve, resumed (ADR 0014, "Tool calls"), on a real Mandate (real
 * Postgres, a Rego bundle compiled by OPA, real HTTP): the MCP server asks at /bc-authorize with
 * the call as its authorization detail and the user's token as login_hint_token, then presents the
 * auth_req_id in the AuthZEN evaluation's context. Allowed once when approved, for exactly that
 * call; pending, denied, another call's arguments, a second use and the token endpoint never allow
 * or mint anything. The use is audited with the decision and the approval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApproval } from '../../../src/oauth/approvals/decide-approval.js';
import { post } from '../../helpers/exchange.js';
import { basic, form, SECRETS, type TestService } from '../../helpers/service.js';
import {
  aliceWorkdayToken,
  OTHER_TOOLS_REFUSED,
  startToolApprovalService,
} from '../../helpers/tool-approval.js';
import { approvalIdOf } from '../../http/routes/approval-setup.js';

const auth = { authorization: basic('mcp-workday', SECRETS.workday) };
// At /bc-authorize and the token endpoint mcp-workday authenticates as registered (client_secret_post).
const cred = { client_id: 'mcp-workday', client_secret: SECRETS.workday };
const alice = { sub: 'alice', iss: 'https://idp.test', groups: [] };
let ts: TestService;
let userToken: string;

beforeAll(async () => {
  ts = await startToolApprovalService('tool-approval', OTHER_TOOLS_REFUSED);
  userToken = (await aliceWorkdayToken(ts, 600)).token;
}, 120_000);
afterAll(async () => ts?.close());

const detail = (tool: string, args: Record<string, unknown>) =>
  JSON.stringify([{ type: 'mcp_tool_call', tool, arguments: args }]);

/** POST /bc-authorize for the tool call, as mcp-workday. */
function ask(tool: string, args: Record<string, unknown>, extra: Record<string, string> = {}) {
  return post(
    `${ts.issuer}/bc-authorize`,
    form({ login_hint_token: userToken, authorization_details: detail(tool, args), ...cred, ...extra }),
    {},
  );
}

/** The AuthZEN evaluation of the call, presenting `authReqId` when given. */
async function evaluate(tool: string, args: Record<string, unknown>, authReqId?: string) {
  const res = await fetch(`${ts.url}/access/v1/evaluation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({
      subject: { type: 'user', id: 'alice', properties: { token: userToken } },
      action: { name: 'tool_call' },
      resource: { type: 'mcp_tool', id: tool, properties: { arguments: args } },
      ...(authReqId === undefined ? {} : { context: { auth_req_id: authReqId } }),
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { decision: boolean; context?: Record<string, unknown> };
}

/** Starts an approval for the call and decides it on the page's core, as alice. */
async function approval(args: Record<string, unknown>, verdict?: 'approved' | 'denied') {
  const res = await ask('request_time_off', args);
  expect(res.status, res.text).toBe(200);
  const authReqId = res.body.auth_req_id as string;
  const id = await approvalIdOf(ts, authReqId);
  if (verdict !== undefined)
    expect(await decideApproval(ts.service.ctx, id, verdict, { ...alice, iss: ts.issuer })).toBe(verdict);
  return { authReqId, id, body: res.body };
}

async function tokenEvents(approvalId: string) {
  const res = await ts.db.db.query<{ event: { type: string; data: Record<string, unknown> } }>(
    `SELECT event FROM outbox WHERE event->'data'->>'approval_id' = $1 ORDER BY sequence`,
    [approvalId],
  );
  return res.rows.map((r) => r.event);
}

describe('a tool call approved through /bc-authorize and presented to the AuthZEN evaluation', () => {
  it('starts with the page and the binding message; the approved call is allowed exactly once', async () => {
    const { authReqId, id, body } = await approval({ days: 12 }, 'approved');
    expect(body).toMatchObject({
      approval_uri: `${ts.issuer}/approvals/${id}`,
      binding_message: 'Time off of more than 5 days needs your approval',
    });
    expect(await evaluate('request_time_off', { days: 12 }, authReqId)).toEqual({ decision: true });
    // Used up: the same approval again is what no approval is.
    const again = await evaluate('request_time_off', { days: 12 }, authReqId);
    expect(again.decision).toBe(false);
    expect(again.context).toMatchObject({ approval_required: true });
    expect(again.context).not.toHaveProperty('approval_status');
    // decision → approval → use, in the audit chain.
    const events = await tokenEvents(id);
    expect(events.map((e) => e.type)).toEqual([
      'dev.mandate.token.approval_requested',
      'dev.mandate.token.approved',
      'dev.mandate.token.approval_used',
    ]);
    expect(events[2]!.data).toMatchObject({ action: 'tool_call', approval_id: id, approver: 'alice' });
  });

  it('other arguments than approved are not allowed, and the approval stays for the approved call', async () => {
    const { authReqId } = await approval({ days: 12 }, 'approved');
    const other = await evaluate('request_time_off', { days: 30 }, authReqId);
    expect(other.decision).toBe(false);
    expect(other.context).toMatchObject({ approval_required: true });
    expect(other.context).not.toHaveProperty('approval_status');
    expect((await evaluate('request_time_off', { days: 12 }, authReqId)).decision).toBe(true);
  });

  it('pending is not allowed (and a hasty presentation is told to slow down); denied is denied', async () => {
    const pending = await approval({ days: 8 });
    expect(await evaluate('request_time_off', { days: 8 }, pending.authReqId)).toMatchObject({
      decision: false,
      context: { approval_required: true, approval_status: 'pending', interval: 5 },
    });
    expect(await evaluate('request_time_off', { days: 8 }, pending.authReqId)).toMatchObject({
      decision: false,
      context: { approval_status: 'slow_down', interval: 10 },
    });
    const denied = await approval({ days: 9 }, 'denied');
    const res = await evaluate('request_time_off', { days: 9 }, denied.authReqId);
    expect(res).toMatchObject({
      decision: false,
      context: { approval_status: 'denied', reason_admin: { en: 'approval_denied' } },
    });
    expect(res.context).not.toHaveProperty('approval_required');
  });

  it('is never redeemed at the token endpoint', async () => {
    const { authReqId } = await approval({ days: 14 }, 'approved');
    const polled = await post(
      `${ts.issuer}/token`,
      form({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId, ...cred }),
      {},
    );
    expect(polled.status).toBe(400);
    expect(polled.body).toMatchObject({ error: 'invalid_grant' });
    // Still usable by the MCP server it was asked by, for the call it was asked for.
    expect((await evaluate('request_time_off', { days: 14 }, authReqId)).decision).toBe(true);
  });

  it('an approval is started only for a call the policy wants approved', async () => {
    const allowed = await ask('request_time_off', { days: 2 });
    expect(allowed.status).toBe(400);
    expect(allowed.body).toMatchObject({ error: 'invalid_request' });
    const denied = await ask('delete_everything', {});
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'access_denied' });
    const foreign = await post(
      `${ts.issuer}/bc-authorize`,
      form({
        login_hint_token: 'not-a-token',
        authorization_details: detail('request_time_off', { days: 12 }),
        ...cred,
      }),
      {},
    );
    expect(foreign.body).toMatchObject({ error: 'unknown_user_id' });
  });
});
