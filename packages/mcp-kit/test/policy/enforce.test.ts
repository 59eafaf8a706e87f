/**
 * Turning the policy's decisions into the MCP answers clients act on (src/policy/enforce.ts): a
 * refusal scopes would lift is a 403 step-up naming every needed scope; any other refusal is a
 * tool result with `isError` and the policy's reason; a batch answers every request.
 */
import { describe, expect, it } from 'vitest';
import {
  createResourceServer,
  enforceToolPolicy,
  OAuthError,
  toolCallsOf,
  type ToolCall,
  type ToolDecision,
  type ToolPolicy,
  type VerifiedAccess,
} from '../../src/index.js';
import { policyAnswer } from '../../src/policy/enforce.js';

const rs = createResourceServer({ resource: 'https://mcp.example/mcp', issuer: 'https://mandate.example' });
const access = { sub: 'alice', scopes: ['crm.read'] } as VerifiedAccess;

function policyOf(decide: (call: ToolCall) => ToolDecision): ToolPolicy & { calls: ToolCall[] } {
  const calls: ToolCall[] = [];
  return {
    calls,
    evaluations: 0,
    decide: async (_a, call) => {
      calls.push(call);
      return decide(call);
    },
  };
}

const allow: ToolDecision = { allow: true, decisionId: 'd-ok' };
const needsWrite: ToolDecision = {
  allow: false,
  decisionId: 'd-up',
  codes: ['insufficient_scope'],
  message: 'tool update needs crm.write',
  stepUpScopes: ['crm.read', 'crm.write'],
};
const notOwner: ToolDecision = {
  allow: false,
  decisionId: 'd-no',
  codes: ['not_owner'],
  message: 'tool update: only the owner may do this',
  stepUpScopes: undefined,
};
const rpc = (id: number, name: string, args: unknown = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

describe('enforceToolPolicy', () => {
  it('lets through what is not a tool call, without asking', async () => {
    const p = policyOf(() => notOwner);
    expect(await enforceToolPolicy(p, rs, access, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBe(
      undefined,
    );
    expect(await enforceToolPolicy(p, rs, access, undefined)).toBe(undefined);
    expect(p.calls).toEqual([]);
  });

  it('asks about the tool with its arguments and lets an allowed call through', async () => {
    const p = policyOf(() => allow);
    expect(await enforceToolPolicy(p, rs, access, rpc(1, 'search', { q: 'acme' }))).toBe(undefined);
    expect(p.calls).toEqual([{ name: 'search', arguments: { q: 'acme' } }]);
    await enforceToolPolicy(p, rs, access, rpc(2, 'search', ['not', 'an', 'object']));
    expect(p.calls[1]).toEqual({ name: 'search', arguments: {} });
  });

  it('a refusal more scopes would lift: 403 insufficient_scope with every needed scope', async () => {
    const e = await enforceToolPolicy(
      policyOf(() => needsWrite),
      rs,
      access,
      rpc(1, 'update'),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ status: 403, error: 'insufficient_scope' });
    expect((e as OAuthError).headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", ' +
        'error="insufficient_scope", error_description="this request needs scope crm.write", scope="crm.read crm.write"',
    );
  });

  it('any other refusal: the tool error with the policy’s reason, as the JSON-RPC answer', async () => {
    expect(
      await enforceToolPolicy(
        policyOf(() => notOwner),
        rs,
        access,
        rpc(7, 'update'),
      ),
    ).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: {
        resultType: 'complete',
        content: [{ type: 'text', text: 'Refused by policy: tool update: only the owner may do this' }],
        isError: true,
        _meta: { 'dev.mandate/decision': { id: 'd-no', reasons: ['not_owner'] } },
      },
    });
  });

  it('a call a person must approve: a tool error saying so, marked approval_required', async () => {
    const deferred: ToolDecision = {
      allow: false,
      decisionId: 'd-wait',
      codes: ['approval_unsupported'],
      message: 'Big changes need your approval',
      stepUpScopes: undefined,
      approval: { bindingMessage: 'Big changes need your approval' },
    };
    expect(
      await enforceToolPolicy(
        policyOf(() => deferred),
        rs,
        access,
        rpc(8, 'update'),
      ),
    ).toEqual({
      jsonrpc: '2.0',
      id: 8,
      result: {
        resultType: 'complete',
        content: [{ type: 'text', text: 'Approval required: Big changes need your approval' }],
        isError: true,
        _meta: {
          'dev.mandate/decision': {
            id: 'd-wait',
            reasons: ['approval_unsupported'],
            approval_required: true,
          },
        },
      },
    });
  });

  it('a step-up whose scopes the token already has is no step-up: a tool error', async () => {
    const held = { ...access, scopes: ['crm.read', 'crm.write'] } as VerifiedAccess;
    expect(
      await enforceToolPolicy(
        policyOf(() => needsWrite),
        rs,
        held,
        rpc(1, 'update'),
      ),
    ).toMatchObject({
      result: { isError: true },
    });
  });

  it('a batch: one step-up for all when scopes would lift every refusal, else every request answered', async () => {
    const p = policyOf((c) => (c.name === 'search' ? allow : c.name === 'update' ? needsWrite : notOwner));
    await expect(
      enforceToolPolicy(p, rs, access, [rpc(1, 'search'), rpc(2, 'update')]),
    ).rejects.toMatchObject({ status: 403 });
    expect(
      await enforceToolPolicy(p, rs, access, [
        rpc(1, 'update'),
        rpc(2, 'delete'),
        { jsonrpc: '2.0', id: 3, method: 'tools/list' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
      ]),
    ).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        result: expect.objectContaining({ isError: true }),
      },
      { jsonrpc: '2.0', id: 2, result: expect.objectContaining({ isError: true }) },
      {
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32000, message: 'not run: another call in this batch was refused by policy' },
      },
    ]);
  });
});

describe('toolCallsOf', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const withMeta = (meta: unknown) => ({ ...rpc(1, 'update'), params: { name: 'update', _meta: meta } });
  it('takes a well-formed _meta.traceparent (MCP 2026-07-28) with the call', () => {
    expect(toolCallsOf(withMeta({ traceparent: tp }))).toEqual([
      { id: 1, call: { name: 'update', arguments: {}, traceparent: tp } },
    ]);
  });
  it('takes the HTTP request’s traceparent for a call without one of its own, never over it', () => {
    const header = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const batch = [rpc(1, 'update'), withMeta({ traceparent: tp })];
    expect(toolCallsOf(batch, header).map((c) => c.call.traceparent)).toEqual([header, tp]);
    expect(toolCallsOf(withMeta({ traceparent: 'bogus' }), header)[0]!.call.traceparent).toBe(header);
    for (const bad of [header.toUpperCase(), `${header}, ${header}`, `${header}\r\nx-admin: 1`])
      expect(toolCallsOf(rpc(1, 'update'), bad)[0]!.call).not.toHaveProperty('traceparent');
  });
  it.each([
    ['upper-case hex', tp.toUpperCase()],
    ['version ff', `ff${tp.slice(2)}`],
    ['a header injection', `${tp}\r\nx-admin: 1`],
    ['a number', 42],
  ])('drops %s, and still decides the call', (_name, value) => {
    expect(toolCallsOf(withMeta({ traceparent: value }))).toEqual([
      { id: 1, call: { name: 'update', arguments: {} } },
    ]);
  });
});

describe('the removed local tools table', () => {
  it('stops a server that still passes it at start-up, in both adapters', async () => {
    const { requireAccess } = await import('../../src/express.js');
    const { accessHook } = await import('../../src/fastify.js');
    const old = { tools: { update: ['crm.write'] } } as unknown as Record<string, never>;
    const message =
      "the tools option (a local tool → scope table) was removed; tool calls are decided by Mandate's policy: pass { policy: createToolPolicy(…) }";
    expect(() => requireAccess(rs, old)).toThrow(`requireAccess: ${message}`);
    expect(() => accessHook(rs, old)).toThrow(`accessHook: ${message}`);
    expect(() => requireAccess(rs, { policy: policyOf(() => allow) })).not.toThrow();
    expect(() => accessHook(rs, {})).not.toThrow();
  });
});

describe('policyAnswer', () => {
  const signal = new AbortController().signal;
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('answers nothing without a policy, without reading the request', async () => {
    expect(await policyAnswer(undefined, rs, access, { body: rpc(1, 'update'), headers: {} }, signal)).toBe(
      undefined,
    );
  });

  it('enforces the policy on the body, with the traceparent header only when it was sent once', async () => {
    const p = policyOf(() => notOwner);
    const answer = await policyAnswer(
      p,
      rs,
      access,
      { body: rpc(1, 'update'), headers: { traceparent: tp } },
      signal,
    );
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: 1, result: { isError: true } });
    await policyAnswer(p, rs, access, { body: rpc(2, 'update'), headers: { traceparent: [tp, tp] } }, signal);
    expect(p.calls).toEqual([
      { name: 'update', arguments: {}, traceparent: tp },
      { name: 'update', arguments: {} },
    ]);
  });
});
