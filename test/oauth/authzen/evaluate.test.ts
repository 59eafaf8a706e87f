/**
 * OpenID AuthZEN Authorization API 1.0 on a real Mandate (real Postgres, the shipped policy
 * bundle, real HTTP): the wire bodies of the specification's examples (§6.1/§6.2 evaluation, §7
 * evaluations with defaults and semantics, §9 metadata, §10.1.11 errors, §10.1.12 request id), a
 * tool call decided by the same Rego with its arguments, audited with the access token's `jti`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/audit/events.js';
import { toOcsf } from '../../../src/audit/ocsf.js';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';
import { basic, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

let ts: TestService;
const now = () => Math.floor(Date.now() / 1000);

async function userToken(
  sub: string,
  aud: string,
  scopes: string[],
  groups: string[] = [],
  act?: Record<string, unknown>,
) {
  return mintAccessToken(ts.service.ctx.signer, {
    issuer: ts.issuer,
    sub,
    aud,
    clientId: 'claude-desktop',
    scopes,
    ttlSeconds: 300,
    now: now(),
    extra: { groups },
    ...(act === undefined ? {} : { act }),
  });
}

// The PEP authenticates with HTTP Basic (RFC 6749 §2.3.1) whichever secret method it is
// registered for: the test Workday client uses client_secret_post at the token endpoint.
const asWorkday = basic('mcp-workday', SECRETS.workday);
const asSalesforce = basic('mcp-salesforce', SECRETS.salesforce);

function post(path: string, body: unknown, authorization?: string, headers: Record<string, string> = {}) {
  return fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function toolCall(
  token: string,
  sub: string,
  tool: string,
  args: Record<string, unknown> = {},
  attributes: Record<string, unknown> = {},
) {
  return {
    subject: { type: 'user', id: sub, properties: { token } },
    action: { name: 'tool_call' },
    resource: { type: 'mcp_tool', id: tool, properties: { arguments: args, ...attributes } },
    context: { time: '1985-10-26T01:22-07:00' },
  };
}

async function decisionEvent(jti: string): Promise<Record<string, unknown>> {
  const res = await ts.db.db.query<{ event: { data: Record<string, unknown> } }>(
    `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision'
       AND event->'data'->'input'->'context'->>'token_jti' = $1 ORDER BY sequence DESC LIMIT 1`,
    [jti],
  );
  return res.rows[0]!.event.data;
}

beforeAll(async () => {
  ts = await startTestService();
}, 120_000);
afterAll(async () => ts?.close());

describe('AuthZEN access evaluation of MCP tool calls', () => {
  it('publishes the PDP metadata (§9)', async () => {
    const res = await fetch(`${ts.url}/.well-known/authzen-configuration`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      policy_decision_point: ts.issuer,
      access_evaluation_endpoint: `${ts.issuer}/access/v1/evaluation`,
      access_evaluations_endpoint: `${ts.issuer}/access/v1/evaluations`,
    });
  });

  it('answers {"decision": true} and echoes X-Request-ID (§6.2, §10.1.12), audited with the jti', async () => {
    const { token, claims } = await userToken('alice', MCP.workday, ['hr.profile.read']);
    const res = await post(
      '/access/v1/evaluation',
      toolCall(token, 'alice', 'get_employee_record', { employee: 'alice' }),
      asWorkday,
      { 'X-Request-ID': 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bfe9eb29-ab87-4ca3-be83-a1d5d8305716');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ decision: true });
    const event = await decisionEvent(claims.jti);
    expect(event.input).toMatchObject({
      action: 'tool_call',
      subject: { sub: 'alice' },
      client: { client_id: 'claude-desktop' },
      target: { resource: MCP.workday },
      scopes: ['hr.profile.read'],
      context: { tool: 'get_employee_record', arguments: { employee: 'alice' }, token_jti: claims.jti },
    });
    expect(event.enforced).toMatchObject({ allow: true });
  });

  // Issue 17 §3: the decision event names the user, the agent with its whole act chain and the
  // client apart, and OCSF API Activity maps them to actor.user, actor.invoked_by and actor.app_uid.
  it('audits a delegated tool call with user, agent (act chain) and client as separate fields', async () => {
    const { token, claims } = await userToken('alice', MCP.workday, ['hr.profile.read'], [], {
      sub: 'research-agent',
      act: { sub: 'planner-agent' },
    });
    const res = await post(
      '/access/v1/evaluation',
      toolCall(token, 'alice', 'get_employee_record', { employee: 'alice' }),
      asWorkday,
    );
    expect(res.status).toBe(200);
    const event = await decisionEvent(claims.jti);
    const agent = { sub: 'research-agent', act_chain: ['research-agent', 'planner-agent'] };
    expect(event).toMatchObject({ user: { sub: 'alice' }, agent, client: { id: 'claude-desktop' } });
    const { rows } = await ts.db.db.query<{ event: AuditEvent }>(
      `SELECT event FROM outbox WHERE event->'data'->'input'->'context'->>'token_jti' = $1`,
      [claims.jti],
    );
    const o = toOcsf(rows[0]!.event);
    expect(o).toMatchObject({
      class_uid: 6003,
      actor: { user: { uid: 'alice' }, invoked_by: 'research-agent', app_uid: 'claude-desktop' },
      unmapped: { agent },
    });
  });

  it("refuses by policy a tool call whose arguments are outside it (another's record), with the reason", async () => {
    const { token, claims } = await userToken('alice', MCP.workday, [], ['sales']);
    const res = await post(
      '/access/v1/evaluation',
      toolCall(token, 'alice', 'get_employee_record', { employee: 'bob' }),
      asWorkday,
    );
    expect(res.status).toBe(200);
    const event = await decisionEvent(claims.jti);
    expect(await res.json()).toEqual({
      decision: false,
      context: {
        id: event.decision_id,
        reason_admin: { en: 'argument_not_allowed' },
        reason_user: { en: 'tool get_employee_record: employee must be yourself' },
      },
    });
    expect(event.enforced).toMatchObject({ allow: false });
    // HR may read anyone's record: the same call, another subject's groups.
    const hr = await userToken('bob', MCP.workday, [], ['hr']);
    const allowed = await post(
      '/access/v1/evaluation',
      toolCall(hr.token, 'bob', 'get_employee_record', { employee: 'alice' }),
      asWorkday,
    );
    expect(await allowed.json()).toEqual({ decision: true });
  });

  it('names every scope a step-up needs (the token’s and the tool’s)', async () => {
    const { token } = await userToken('alice', MCP.salesforce, ['crm.read'], ['sales']);
    const res = await post(
      '/access/v1/evaluation',
      toolCall(
        token,
        'alice',
        'update_opportunity_stage',
        { id: 'opp-101', stage: 'Negotiation' },
        { owner: 'alice', amount: 120_000 },
      ),
      asSalesforce,
    );
    expect(await res.json()).toMatchObject({
      decision: false,
      context: {
        reason_admin: { en: 'insufficient_scope' },
        reason_user: { en: 'tool update_opportunity_stage needs crm.write' },
        scope: 'crm.read crm.write',
      },
    });
  });

  it('decides on what the MCP server read about the object (resource.properties): owner and amount', async () => {
    const { token, claims } = await userToken('alice', MCP.salesforce, ['crm.read', 'crm.write'], ['sales']);
    const stage = (attributes: Record<string, unknown>) =>
      post(
        '/access/v1/evaluation',
        toolCall(
          token,
          'alice',
          'update_opportunity_stage',
          { id: 'opp-9', stage: 'Closed Won' },
          attributes,
        ),
        asSalesforce,
      ).then((r) => r.json() as Promise<{ decision: boolean; context?: Record<string, unknown> }>);
    expect(await stage({ owner: 'alice', amount: 120_000 })).toEqual({ decision: true });
    expect((await decisionEvent(claims.jti)).input).toMatchObject({
      context: { attributes: { owner: 'alice', amount: 120_000 }, token_jti: claims.jti },
    });
    expect((await stage({ owner: 'carol', amount: 1 })).context).toMatchObject({
      reason_admin: { en: 'not_owner' },
      reason_user: { en: 'tool update_opportunity_stage: only the owner may do this' },
    });
    expect((await stage({ owner: 'alice', amount: 250_000 })).context).toMatchObject({
      reason_admin: { en: 'over_limit' },
      reason_user: { en: 'tool update_opportunity_stage: amount must be below 250000' },
    });
  });

  it('evaluates a batch with defaults and each semantic (§7)', async () => {
    const { token } = await userToken('alice', MCP.salesforce, ['crm.read'], ['sales']);
    const defaults = {
      subject: { type: 'user', id: 'alice', properties: { token } },
      action: { name: 'tool_call' },
      context: { time: '2024-05-31T15:22-07:00' },
    };
    const evaluations = [
      { resource: { type: 'mcp_tool', id: 'search_accounts' } },
      { resource: { type: 'mcp_tool', id: 'update_opportunity_stage' } },
      { resource: { type: 'mcp_tool', id: 'get_opportunity' } },
    ];
    const all = await post('/access/v1/evaluations', { ...defaults, evaluations }, asSalesforce);
    expect(all.status).toBe(200);
    const body = (await all.json()) as { evaluations: { decision: boolean }[] };
    expect(body.evaluations.map((e) => e.decision)).toEqual([true, false, true]);
    const deny = await post(
      '/access/v1/evaluations',
      { ...defaults, options: { evaluations_semantic: 'deny_on_first_deny' }, evaluations },
      asSalesforce,
    );
    expect(((await deny.json()) as typeof body).evaluations.map((e) => e.decision)).toEqual([true, false]);
    const permit = await post(
      '/access/v1/evaluations',
      { ...defaults, options: { evaluations_semantic: 'permit_on_first_permit' }, evaluations },
      asSalesforce,
    );
    expect(await permit.json()).toEqual({ evaluations: [{ decision: true }] });
  });

  it('closes a decision on a token not issued for the caller, with a per-evaluation error (§7.2.1)', async () => {
    const { token } = await userToken('alice', MCP.workday, ['hr.profile.read']);
    const res = await post(
      '/access/v1/evaluations',
      { evaluations: [toolCall(token, 'alice', 'get_profile')] },
      asSalesforce,
    );
    expect(await res.json()).toEqual({
      evaluations: [
        {
          decision: false,
          context: { error: { status: 403, message: 'the access token was not issued for this client' } },
        },
      ],
    });
  });

  it('answers 401 to an unauthenticated caller and 400 to a body that is not an evaluation (§10.1.11)', async () => {
    const { token } = await userToken('alice', MCP.workday, []);
    const none = await post('/access/v1/evaluation', toolCall(token, 'alice', 'whoami'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="access evaluation"');
    const wrong = await post(
      '/access/v1/evaluation',
      toolCall(token, 'alice', 'whoami'),
      basic('mcp-workday', 'nope'),
    );
    expect(wrong.status).toBe(401);
    const bad = await post(
      '/access/v1/evaluation',
      {
        subject: { type: 'user' },
        action: { name: 'tool_call' },
        resource: { type: 'mcp_tool', id: 'whoami' },
      },
      asWorkday,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('subject.id is required and must be a string');
  });
});
