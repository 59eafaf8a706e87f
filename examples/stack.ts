/**
 * Starts the example services against one Mandate: the two REST APIs and the two MCP servers, and,
 * given the org's login host, the Salesforce org's API, each on a free local port, and a hosts fetch
 * that resolves their public names (`https://mcp.salesforce.example`, …) to those ports. Used by
 * the demo and the tests.
 */
import { startSalesforceApi, SALESFORCE_API } from './apis/salesforce-api.js';
import { startWorkdayApi, WORKDAY_API } from './apis/workday-api.js';
import type { ApiCall, RunningApi } from './apis/common.js';
import { SALESFORCE_ORG, startSalesforceOrgApi, type OrgApiOptions } from './apis/salesforce-org.js';
import { hostsFetch } from './lib/hosts.js';
import type { ExchangeEvent, RunningMcpServer } from './mcp/common.js';
import { SALESFORCE_MCP, startSalesforceMcp } from './mcp/salesforce-server.js';
import { startWorkdayMcp, WORKDAY_MCP } from './mcp/workday-server.js';

export interface ExamplesOptions {
  issuer: string;
  secrets: { salesforce: string; workday: string };
  onCall?: (call: ApiCall) => void;
  onExchange?: (event: ExchangeEvent) => void;
  /**
   * The Salesforce org's sessions (its login host, salesforce-login.ts): the org's API starts, as
   * `https://acme.my.salesforce.example`, when given.
   */
  salesforceOrg?: Pick<OrgApiOptions, 'session'>;
}

export interface Examples {
  /** Resolves the services' public names to their local ports. */
  fetch: typeof fetch;
  hosts: Record<string, string>;
  salesforceApi: RunningApi;
  workdayApi: RunningApi;
  salesforceOrgApi: RunningApi | undefined;
  salesforceMcp: RunningMcpServer;
  workdayMcp: RunningMcpServer;
  close(): Promise<void>;
}

export async function startExamples(opts: ExamplesOptions): Promise<Examples> {
  const started: { close(): Promise<void> }[] = [];
  try {
    const api = { issuer: opts.issuer, ...(opts.onCall === undefined ? {} : { onCall: opts.onCall }) };
    const salesforceApi = await startSalesforceApi(api);
    started.push(salesforceApi);
    const workdayApi = await startWorkdayApi(api);
    started.push(workdayApi);
    const hosts: Record<string, string> = {
      [SALESFORCE_API]: salesforceApi.url,
      [WORKDAY_API]: workdayApi.url,
    };
    let salesforceOrgApi: RunningApi | undefined;
    if (opts.salesforceOrg !== undefined) {
      salesforceOrgApi = await startSalesforceOrgApi({
        session: opts.salesforceOrg.session,
        ...(opts.onCall === undefined ? {} : { onCall: opts.onCall }),
      });
      started.push(salesforceOrgApi);
      hosts[SALESFORCE_ORG] = salesforceOrgApi.url;
    }
    const resolve = hostsFetch(hosts);
    const mcp = {
      issuer: opts.issuer,
      fetch: resolve,
      ...(opts.onExchange === undefined ? {} : { onExchange: opts.onExchange }),
    };
    const salesforceMcp = await startSalesforceMcp({ ...mcp, clientSecret: opts.secrets.salesforce });
    started.push(salesforceMcp);
    const workdayMcp = await startWorkdayMcp({ ...mcp, clientSecret: opts.secrets.workday });
    started.push(workdayMcp);
    hosts[SALESFORCE_MCP] = salesforceMcp.url;
    hosts[WORKDAY_MCP] = workdayMcp.url;
    return {
      fetch: hostsFetch(hosts),
      hosts,
      salesforceApi,
      workdayApi,
      salesforceOrgApi,
      salesforceMcp,
      workdayMcp,
      async close() {
        for (const s of started.reverse()) await s.close();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close();
    throw err;
  }
}
