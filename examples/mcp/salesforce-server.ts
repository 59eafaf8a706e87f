/**
 * A Salesforce-like CRM MCP server: search accounts, read an opportunity, update an opportunity's
 * stage. Protected by the kit; each tool exchanges the user's token for a CRM API token with just
 * the scope it needs, and the API returns only what that user owns.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createResourceServer } from '@mandate/mcp-kit';
import { SALESFORCE_API } from '../apis/salesforce-api.js';
import { STAGES } from '../apis/data.js';
import {
  accessFrom,
  apiResult,
  exchangeClient,
  serveMcp,
  withDownstream,
  type McpServerOptions,
  type RunningMcpServer,
} from './common.js';

export const SALESFORCE_MCP = 'https://mcp.salesforce.example/mcp';

/** What each tool needs at the first hop (rego/mandate/data.json, mcp_servers tools). */
export const SALESFORCE_TOOLS = {
  search_accounts: ['crm.read'],
  get_opportunity: ['crm.read'],
  update_opportunity_stage: ['crm.write'],
} as const;

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
  });
  const hook = (tool: string) => ({
    server: 'mcp-salesforce',
    tool,
    exchange,
    ...(opts.onExchange === undefined ? {} : { onExchange: opts.onExchange }),
  });

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

  const http = await serveMcp(rs, SALESFORCE_TOOLS, build, opts.port);
  return { ...http, resource, exchange };
}
