/**
 * A tool call the policy allows once a person approves it (src/policy/tool-approval.ts, ADR 0014
 * "Tool calls"), against a stand-in Mandate: the approval started at /bc-authorize, the same call
 * made again presenting `context.auth_req_id` outside the decision cache, and how it ends
 * (approved → runs, pending → still waiting, denied / expired → said so and forgotten). The same
 * against a real Mandate: test/e2e/kit-tool-approval.e2e.test.ts in the repository.
 */
import { describe, expect, it } from 'vitest';
import { OAuthError, type ToolDecision, type ToolPolicyOptions } from '../../src/index.js';
import { refusedToolResult } from '../../src/policy/enforce.js';
import { access, call, clock, json, pdp, policy } from './tool-policy-harness.js';

const ISSUER = 'https://mandate.example';
const PAGE = `${ISSUER}/approvals/a-1`;
const WHY = 'Big changes need your approval';

const required = (extra: Record<string, unknown> = {}) => ({
  decision: false,
  context: {
    id: 'd-1',
    reason_admin: { en: 'approval_unsupported' },
    reason_user: { en: WHY },
    approval_required: true,
    binding_message: WHY,
    ...extra,
  },
});
const denied = {
  decision: false,
  context: { id: 'd-3', reason_admin: { en: 'approval_denied' }, approval_status: 'denied' },
};
const started = (extra: Record<string, unknown> = {}) =>
  json({
    auth_req_id: 'req-1',
    expires_in: 300,
    interval: 5,
    approval_uri: PAGE,
    binding_message: WHY,
    ...extra,
  });

interface Evaluation {
  context?: { auth_req_id?: string };
  resource: { properties: { arguments: unknown } };
}

/** A stand-in Mandate: the evaluation answers `decide`, /bc-authorize `start`. */
function mandate(
  decide: (e: Evaluation) => unknown,
  start: () => Response = () => started(),
  over: Partial<ToolPolicyOptions> = {},
) {
  const evaluations: Evaluation[] = [];
  const starts: Array<{ body: Record<string, string>; headers: Headers }> = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    if (new URL(String(url)).pathname === '/bc-authorize') {
      starts.push({
        body: Object.fromEntries(new URLSearchParams(String(init?.body))),
        headers: new Headers(init?.headers),
      });
      return start();
    }
    const e = JSON.parse(String(init?.body)) as Evaluation;
    evaluations.push(e);
    return json(decide(e));
  }) as typeof globalThis.fetch;
  const p = policy(fetch, { approvals: { authMethod: 'client_secret_post' }, ...over });
  return { p, evaluations, starts };
}

const textOf = (d: ToolDecision) => {
  if (d.allow) throw new Error('allowed');
  return (refusedToolResult(d).content as Array<{ text: string }>)[0]!.text;
};
const presented = (e: Evaluation) => e.context?.auth_req_id;

describe('starting the approval', () => {
  it('asks /bc-authorize for the call with the user token, as the client; the tool error links the page', async () => {
    const m = mandate(() => required());
    const d = await m.p.decide(access(), call);
    expect(m.starts).toHaveLength(1);
    expect(m.starts[0]!.body).toEqual({
      login_hint_token: 'eyJ.token.sig',
      authorization_details: JSON.stringify([
        { type: 'mcp_tool_call', tool: call.name, arguments: call.arguments },
      ]),
      client_id: 'mcp-crm',
      client_secret: 's3cret:with/chars',
    });
    expect(m.starts[0]!.headers.has('authorization')).toBe(false);
    expect(d).toMatchObject({
      allow: false,
      approval: { status: 'started', approvalUri: PAGE, bindingMessage: WHY },
    });
    expect(textOf(d)).toBe(
      `Approval required: ${WHY}. Approve the request at ${PAGE}, then call the tool again.`,
    );
    expect(refusedToolResult(d as never)._meta).toEqual({
      'dev.mandate/decision': {
        id: 'd-1',
        reasons: ['approval_unsupported'],
        approval_required: true,
        approval_status: 'started',
        approval_uri: PAGE,
      },
    });
  });

  it('shows no page off Mandate’s origin; takes the binding message from /bc-authorize', async () => {
    const m = mandate(
      () => required(),
      () => started({ approval_uri: 'https://evil.example/approve', binding_message: 'from bc' }),
    );
    const d = await m.p.decide(access(), call);
    expect(textOf(d)).toBe(
      'Approval required: from bc. The approvers have been asked; call the tool again once it is approved.',
    );
  });

  it('a start Mandate refuses leaves the plain refusal, nothing pending; bad credentials are 500', async () => {
    const refused = () => json({ error: 'invalid_request', error_description: 'approval_not_required' }, 400);
    const m = mandate(() => required(), refused);
    expect(textOf(await m.p.decide(access(), call))).toBe(`Approval required: ${WHY}`);
    await m.p.decide(access(), call);
    expect(m.evaluations.every((e) => presented(e) === undefined)).toBe(true);
    const bad = mandate(
      () => required(),
      () => json({ error: 'invalid_client' }, 401),
    );
    await expect(bad.p.decide(access(), call)).rejects.toMatchObject({ error: 'server_error', status: 500 });
  });

  it('without the approvals option nothing is started (the plain tool error)', async () => {
    const { sent, fetch } = pdp(() => json(required()));
    expect(textOf(await policy(fetch).decide(access(), call))).toBe(`Approval required: ${WHY}`);
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(['/access/v1/evaluation']);
  });
});

describe('the same call made again', () => {
  it('presents auth_req_id past the cache; pending says still waiting; approved runs once', async () => {
    let answer: unknown = required({ approval_status: 'pending', interval: 5 });
    const m = mandate((e) => (presented(e) === undefined ? required() : answer));
    await m.p.decide(access(), call);
    const waiting = await m.p.decide(access(), call);
    expect(presented(m.evaluations[1]!)).toBe('req-1');
    expect(textOf(waiting)).toBe(
      `Still waiting for approval: ${WHY}. Approve the request at ${PAGE}, then call the tool again.`,
    );
    answer = { decision: true, context: { id: 'd-2' } };
    expect(await m.p.decide(access(), call)).toEqual({ allow: true, decisionId: 'd-2' });
    expect(m.evaluations).toHaveLength(3); // none answered from the cache
    // The allow was this one call's: the next is decided anew and starts a new approval.
    const next = await m.p.decide(access(), call);
    expect(next.allow).toBe(false);
    expect(m.starts).toHaveLength(2);
    expect(m.evaluations.slice(3).every((e) => presented(e) === undefined)).toBe(true);
  });

  it('denied: said so, forgotten (the next call asks anew)', async () => {
    const m = mandate((e) => (presented(e) === undefined ? required() : denied));
    await m.p.decide(access(), call);
    const d = await m.p.decide(access(), call);
    expect(textOf(d)).toBe(`The request was denied: ${WHY} was not approved, so nothing was done.`);
    expect(refusedToolResult(d as never)._meta).toEqual({
      'dev.mandate/decision': { id: 'd-3', reasons: ['approval_denied'], approval_status: 'denied' },
    });
    // The next: the cached approval_required (no auth_req_id presented), and a new approval.
    expect(await m.p.decide(access(), call)).toMatchObject({ approval: { status: 'started' } });
    expect(m.evaluations).toHaveLength(2);
    expect(m.starts).toHaveLength(2);
  });

  it('expired at Mandate, or past expires_in here (not presented): said so, forgotten', async () => {
    const expired = required({ approval_status: 'expired' });
    const m = mandate((e) => (presented(e) === undefined ? required() : expired));
    await m.p.decide(access(), call);
    expect(textOf(await m.p.decide(access(), call))).toMatch(
      /^The approval request expired before anyone approved it/,
    );
    const here = mandate(
      () => required(),
      () => started({ expires_in: 10 }),
    );
    await here.p.decide(access({ expiresAt: clock.now + 3600 }), call);
    clock.now += 10;
    const d = await here.p.decide(access({ expiresAt: clock.now + 3600 }), call);
    expect(d).toMatchObject({ approval: { status: 'expired' } });
    expect(here.evaluations).toHaveLength(1);
  });

  it('an approval Mandate no longer knows (plain approval_required) is started anew', async () => {
    const m = mandate(() => required());
    await m.p.decide(access(), call);
    const d = await m.p.decide(access(), call);
    expect(presented(m.evaluations[1]!)).toBe('req-1');
    expect(d).toMatchObject({ approval: { status: 'started' } });
    expect(m.starts).toHaveLength(2);
  });

  it('slow_down is still waiting; past maxEntries the oldest pending approval is forgotten', async () => {
    const m = mandate((e) =>
      presented(e) === undefined ? required() : required({ approval_status: 'slow_down' }),
    );
    await m.p.decide(access(), call);
    expect(await m.p.decide(access(), call)).toMatchObject({
      approval: { status: 'pending', approvalUri: PAGE },
    });
    const few = mandate(() => required(), undefined, { maxEntries: 1 });
    const lost = { ...call, arguments: { id: 'opp-2', stage: 'Lost' } };
    await few.p.decide(access(), call);
    await few.p.decide(access(), lost);
    await few.p.decide(access(), call);
    await few.p.decide(access(), lost);
    // Each evicted the other: no call presents an approval, each starts one.
    expect(few.evaluations.map(presented)).toEqual([undefined, undefined, undefined, undefined]);
    expect(few.starts).toHaveLength(4);
  });

  it('is only the same call: other arguments, or another user’s token, present nothing', async () => {
    const m = mandate(() => required());
    await m.p.decide(access(), call);
    await m.p.decide(access(), { ...call, arguments: { ...call.arguments, stage: 'Lost' } });
    await m.p.decide(access({ token: 'eyJ.other.sig' }), call);
    expect(m.evaluations.map(presented)).toEqual([undefined, undefined, undefined]);
  });

  it('an evaluation that fails keeps the approval for a retry', async () => {
    let down = false;
    const m = mandate((e) => {
      if (down && presented(e) !== undefined) throw new Error('down');
      return required();
    });
    await m.p.decide(access(), call);
    down = true;
    await expect(m.p.decide(access(), call)).rejects.toBeInstanceOf(OAuthError);
    down = false;
    await m.p.decide(access(), call);
    expect(m.evaluations.map(presented)).toEqual([undefined, 'req-1', 'req-1']);
  });
});
