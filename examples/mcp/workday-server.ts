/**
 * A Workday-like HR MCP server: who am I, my profile, my time off, request time off, and an
 * employee's record. Its API requires DPoP-bound tokens, so the exchange client binds them to its
 * own key. Mandate's policy decides twice: the kit asks it about every tool call (an employee's
 * record only for the user themself or HR, from the call's `employee` argument), and the exchange
 * for `hr.records.read` is decided again by the user's groups; either refusal reaches the user
 * with the policy's reason.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { decodeJwt } from 'jose';
import { createResourceServer, fetchWithDpop, generateDpopKey, type VerifiedAccess } from '@mandate/mcp-kit';
import { CallRefused, createCallExchange, type ApprovalStep } from './approval.js';
import { WORKDAY_API } from '../apis/workday-api.js';
import {
  accessFrom,
  apiResult,
  exchangeClient,
  serveMcp,
  text,
  toolPolicy,
  withDownstream,
  type ExchangeEvent,
  type McpServerOptions,
  type RunningMcpServer,
} from './common.js';

export const WORKDAY_MCP = 'https://mcp.workday.example/mcp';
const SCOPES = ['hr.profile.read', 'hr.timeoff.read', 'hr.timeoff.write', 'hr.records.read'];

/**
 * The server's tools. What each needs is the policy's (examples/mandate.json, rego/mandate/data.json):
 * scopes, and for `get_employee_record` that `employee` is the user unless the user is in HR.
 */
export const WORKDAY_TOOLS = [
  'whoami',
  'get_profile',
  'list_time_off',
  'request_time_off',
  'get_employee_record',
] as const;

export async function startWorkdayMcp(opts: McpServerOptions): Promise<RunningMcpServer> {
  const resource = opts.resource ?? WORKDAY_MCP;
  const api = opts.apiBaseUrl ?? WORKDAY_API;
  const rs = createResourceServer({
    resource,
    issuer: opts.issuer,
    resourceName: 'Workday MCP',
    scopesSupported: SCOPES,
    // Clients are told to ask for everything; Mandate grants what the user's groups allow.
    challengeScopes: SCOPES,
  });
  const exchange = exchangeClient(opts, 'mcp-workday', 'client_secret_post', {
    workday: { resource: WORKDAY_API, dpop: true },
  });
  const hook = (tool: string) => ({
    server: 'mcp-workday',
    tool,
    exchange,
    ...(opts.onExchange === undefined ? {} : { onExchange: opts.onExchange }),
  });

  const policy = toolPolicy(opts, 'mcp-workday');

  // request_time_off's token: for that one call, never cached, possibly after a person's approval.
  const callKey = await generateDpopKey();
  const doFetch = opts.fetch ?? fetch;
  const call = { issuer: opts.issuer, clientId: 'mcp-workday', clientSecret: opts.clientSecret };
  const exchangeForCall = createCallExchange({ ...call, key: callKey, fetch: doFetch }, WORKDAY_API);
  const callToken = async (auth: VerifiedAccess, args: { from: string; to: string; days: number }) => {
    const base = { server: 'mcp-workday', tool: 'request_time_off', sub: auth.sub, service: 'workday' };
    const scopes = ['hr.timeoff.write'];
    const tell = (e: Partial<ExchangeEvent> & Pick<ExchangeEvent, 'outcome'>) =>
      opts.onExchange?.({ ...base, scopes, ...e });
    let polled = false;
    const onStep = (s: ApprovalStep) => {
      if (s.kind === 'approval_required') tell({ outcome: 'approval_required', description: s.description });
      if (s.kind === 'pending') {
        polled = true;
        tell({ outcome: 'approval_pending', expiresIn: s.expiresIn, interval: s.interval });
      }
    };
    try {
      const ask = { resource: WORKDAY_API, scopes, tool: 'request_time_off', arguments: args };
      const t = await exchangeForCall(auth.token, ask, onStep);
      const claims = decodeJwt(t.accessToken);
      tell({
        outcome: 'issued',
        ...(t.approved ? { approved: true as const, polled: true as const } : {}),
        jti: String(claims.jti),
        tokenType: t.tokenType,
        grantedScopes: t.scope.split(' '),
        act: claims.act,
      });
      return t;
    } catch (err) {
      if (!(err instanceof CallRefused)) throw err;
      tell({
        outcome: 'refused',
        error: err.error,
        description: err.description,
        ...(polled ? { polled: true as const } : {}),
      });
      return err;
    }
  };

  const build = () => {
    const server = new McpServer({ name: 'workday-mcp', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who the MCP server thinks you are' }, async (ctx) => {
      const a = accessFrom(ctx);
      return text({ sub: a.sub, client_id: a.clientId, scopes: a.scopes, token_jti: a.extra.jti });
    });
    server.registerTool('get_profile', { description: 'Your employee profile' }, async (ctx) =>
      withDownstream(hook('get_profile'), accessFrom(ctx), 'workday', ['hr.profile.read'], async (t) =>
        apiResult(await t.fetch(`${api}/v1/workers/me`)),
      ),
    );
    server.registerTool('list_time_off', { description: 'Your time off' }, async (ctx) =>
      withDownstream(hook('list_time_off'), accessFrom(ctx), 'workday', ['hr.timeoff.read'], async (t) =>
        apiResult(await t.fetch(`${api}/v1/workers/me/time-off`)),
      ),
    );
    server.registerTool(
      'request_time_off',
      {
        description: 'Request time off (dates as YYYY-MM-DD)',
        inputSchema: z.object({
          from: z.string().describe('first day'),
          to: z.string().describe('last day'),
          // Sensitive in the policy's data: the policy sees it, Mandate's decision event holds it masked.
          reason: z.string().optional().describe('why (seen by the policy, masked in the audit log)'),
        }),
      },
      async ({ from, to }, ctx) => {
        const days = daysOf(from, to);
        if (days === undefined) return text({ error: 'invalid_dates', from, to }, true);
        // The exchange names the call (and its length), so that the policy can ask for an approval.
        const t = await callToken(accessFrom(ctx), { from, to, days });
        if (t instanceof CallRefused) return text(`Not done: ${t.error}: ${t.description}`, true);
        return apiResult(
          await fetchWithDpop(
            callKey,
            t.accessToken,
            `${api}/v1/workers/me/time-off`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ from, to }),
            },
            doFetch,
          ),
        );
      },
    );
    server.registerTool(
      'get_employee_record',
      {
        description: "An employee's HR record (salary, start date, rating): HR only",
        inputSchema: z.object({ employee: z.string().describe('employee id, e.g. alice') }),
      },
      async ({ employee }, ctx) =>
        withDownstream(
          hook('get_employee_record'),
          accessFrom(ctx),
          'workday',
          ['hr.records.read'],
          async (t) => apiResult(await t.fetch(`${api}/v1/workers/${encodeURIComponent(employee)}/record`)),
        ),
    );
    return server;
  };

  const http = await serveMcp(rs, { policy }, build, opts.port);
  return { ...http, resource, exchange };
}

/** Calendar days from `from` to `to`, both included; undefined unless both are dates in order. */
export function daysOf(from: string, to: string): number | undefined {
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  if (!DATE.test(from) || !DATE.test(to)) return undefined;
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  return Number.isInteger(days) && days >= 1 ? days : undefined;
}
