/**
 * A Salesforce-like CRM MCP server: search accounts, read an opportunity, update an opportunity's
 * stage, and list the user's support cases in a Salesforce org whose API trusts only its own
 * authorization server (the token comes through Mandate's `salesforce` connector, with the
 * `instance_url` to call; the same exchange as for the other tools). Protected by the kit, which asks Mandate's policy about every tool call: updating a stage
 * is allowed only for an opportunity the user owns whose amount is below the limit in the policy's
 * data, so before asking, the server reads the opportunity's owner and amount from the CRM. Each
 * tool exchanges the user's token for a CRM API token with just the scope it needs, and the API
 * returns only what that user owns.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createResourceServer, ExchangeError, type ToolAttributes } from '@mandate/mcp-kit';
import { SALESFORCE_API } from '../apis/salesforce-api.js';
import { API_VERSION, SALESFORCE_ORG } from '../apis/salesforce-org.js';
import { STAGES, type Opportunity } from '../apis/data.js';
import {
  accessFrom,
  apiResult,
  text,
  downstreamToken,
  exchangeClient,
  serveMcp,
  toolPolicy,
  withDownstream,
  type McpServerOptions,
  type RunningMcpServer,
} from './common.js';

export const SALESFORCE_MCP = 'https://mcp.salesforce.example/mcp';

/**
 * The server's tools. What each needs (scopes, owner, amount limit) is the policy's, registered in
 * examples/mandate.json and rego/mandate/data.json, not the server's.
 */
export const SALESFORCE_TOOLS = [
  'search_accounts',
  'get_opportunity',
  'list_cases',
  'update_opportunity_stage',
] as const;

/** The query list_cases sends to the org (SOQL, the REST API's query resource). */
export const CASES_QUERY = 'SELECT CaseNumber, Subject, Status, Priority FROM Case';

export async function startSalesforceMcp(opts: McpServerOptions): Promise<RunningMcpServer> {
  const resource = opts.resource ?? SALESFORCE_MCP;
  const api = opts.apiBaseUrl ?? SALESFORCE_API;
  const rs = createResourceServer({
    resource,
    issuer: opts.issuer,
    resourceName: 'Salesforce MCP',
    scopesSupported: ['crm.read', 'crm.write'],
    // The 401 challenge asks for read access; writing is a step-up (403 insufficient_scope).
    requiredScopes: ['crm.read'],
  });
  const exchange = exchangeClient(opts, 'mcp-salesforce', 'client_secret_basic', {
    salesforce: { resource: SALESFORCE_API },
    'salesforce-org': { resource: SALESFORCE_ORG },
  });
  const hook = (tool: string) => ({
    server: 'mcp-salesforce',
    tool,
    exchange,
    ...(opts.onExchange === undefined ? {} : { onExchange: opts.onExchange }),
  });

  // What update_opportunity_stage acts on, for the policy: the opportunity's owner and amount, read
  // with the user's own CRM access. The API hides another owner's opportunity (404): no owner to
  // name, so the policy refuses (not_owner); any other failure refuses the call (fail closed).
  const opportunityFacts: ToolAttributes = async (call, access, signal) => {
    const ctx = { ...hook('update_opportunity_stage'), forPolicy: true as const };
    const token = await downstreamToken(ctx, access, 'salesforce', ['crm.read']);
    if (token instanceof ExchangeError) throw token;
    const id = encodeURIComponent(String(call.arguments.id ?? ''));
    const res = await token.fetch(`${api}/v1/opportunities/${id}`, { signal });
    if (res.status === 404) return {};
    if (!res.ok) throw new Error(`the CRM answered ${res.status}`);
    const opp = (await res.json()) as Opportunity;
    return { owner: opp.owner, amount: opp.amount };
  };
  const policy = toolPolicy(opts, 'mcp-salesforce', { update_opportunity_stage: opportunityFacts });

  const build = () => {
    const server = new McpServer({ name: 'salesforce-mcp', version: '1.0.0' });
    server.registerTool(
      'search_accounts',
      {
        description: 'Search the CRM accounts you own by name',
        inputSchema: z.object({ query: z.string().default('').describe('Part of the account name') }),
      },
      async ({ query }, ctx) =>
        withDownstream(hook('search_accounts'), accessFrom(ctx), 'salesforce', ['crm.read'], async (t) =>
          apiResult(await t.fetch(`${api}/v1/accounts?q=${encodeURIComponent(query)}`)),
        ),
    );
    server.registerTool(
      'get_opportunity',
      {
        description: 'Read one of your opportunities',
        inputSchema: z.object({ id: z.string().describe('e.g. opp-101') }),
      },
      async ({ id }, ctx) =>
        withDownstream(hook('get_opportunity'), accessFrom(ctx), 'salesforce', ['crm.read'], async (t) =>
          apiResult(await t.fetch(`${api}/v1/opportunities/${encodeURIComponent(id)}`)),
        ),
    );
    server.registerTool(
      'list_cases',
      {
        description: 'List your support cases in the Salesforce org',
        inputSchema: z.object({}),
      },
      async (_args, ctx) =>
        withDownstream(hook('list_cases'), accessFrom(ctx), 'salesforce-org', ['crm.read'], async (t) => {
          // Salesforce names the instance to call in its token response; Mandate passes it through.
          const instance = t.extra.instance_url;
          if (typeof instance !== 'string') return text('the exchange named no Salesforce instance', true);
          const q = encodeURIComponent(CASES_QUERY);
          const res = await t.fetch(`${instance}/services/data/${API_VERSION}/query?q=${q}`);
          if (!res.ok) return apiResult(res);
          // The records without Salesforce's per-record `attributes`: what the model needs to read.
          const body = (await res.json()) as { records: { attributes?: unknown }[] };
          return text({ instance, cases: body.records.map(({ attributes: _a, ...fields }) => fields) });
        }),
    );
    server.registerTool(
      'update_opportunity_stage',
      {
        description: 'Move one of your opportunities to another sales stage',
        inputSchema: z.object({ id: z.string(), stage: z.enum(STAGES as [string, ...string[]]) }),
      },
      async ({ id, stage }, ctx) =>
        withDownstream(
          hook('update_opportunity_stage'),
          accessFrom(ctx),
          'salesforce',
          ['crm.write'],
          async (t) =>
            apiResult(
              await t.fetch(`${api}/v1/opportunities/${encodeURIComponent(id)}`, {
                method: 'PATCH',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ stage }),
              }),
            ),
        ),
    );
    return server;
  };

  const http = await serveMcp(rs, { policy }, build, opts.port);
  return { ...http, resource, exchange };
}
