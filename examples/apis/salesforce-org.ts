/**
 * A Salesforce org's REST API (`<instance_url>/services/data/v62.0/query`, the SOQL query resource)
 * that, like the real one, trusts only its own authorization server: a request is served when its
 * Bearer token is one the org's login host issued (salesforce-login.ts), as the user that token acts
 * for, and answered 401 `INVALID_SESSION_ID` otherwise, Mandate's JWTs included. Mandate reaches it
 * only through its `salesforce` connector (docs/connectors.md), which obtains such a token for one
 * user by the JWT Bearer Flow.
 */
import Fastify from 'fastify';
import type { ApiCall, RunningApi } from './common.js';
import { orgCases, type SupportCase } from './data.js';

export const SALESFORCE_ORG = 'https://acme.my.salesforce.example';
export const API_VERSION = 'v62.0';

export interface OrgApiOptions {
  /** The username a token acts as, if the org's login host issued it (SalesforceEmulator.session). */
  session(token: string): string | undefined;
  port?: number;
  onCall?: (call: ApiCall) => void;
}

/** Salesforce's error body: a list of `{message, errorCode}` (REST API Developer Guide, "Status Codes and Error Responses"). */
const error = (message: string, errorCode: string) => [{ message, errorCode }];

/** `SELECT <fields> FROM Case`, optionally `WHERE Status = '<s>'`: the one query the example serves. */
const QUERY = /^SELECT\s+([\w\s,]+?)\s+FROM\s+Case(?:\s+WHERE\s+Status\s*=\s*'([\w ]+)')?$/i;

function query(soql: string, owner: string): { status: number; body: unknown } {
  const m = QUERY.exec(soql.trim());
  if (m === null)
    return { status: 400, body: error('only SELECT … FROM Case is served here', 'MALFORMED_QUERY') };
  const fields = m[1]!.split(',').map((f) => f.trim());
  const unknown = fields.find((f) => !(f in orgCases()[0]!));
  if (unknown !== undefined)
    return { status: 400, body: error(`No such column '${unknown}' on entity 'Case'`, 'INVALID_FIELD') };
  const records = orgCases()
    .filter((c) => c.Owner === owner && (m[2] === undefined || c.Status === m[2]))
    .map((c) => ({
      attributes: { type: 'Case', url: `/services/data/${API_VERSION}/sobjects/Case/${c.Id}` },
      ...Object.fromEntries(fields.map((f) => [f, c[f as keyof SupportCase]])),
    }));
  return { status: 200, body: { totalSize: records.length, done: true, records } };
}

export async function startSalesforceOrgApi(opts: OrgApiOptions): Promise<RunningApi> {
  const app = Fastify({ logger: false });
  app.get<{ Querystring: { q?: string } }>(`/services/data/${API_VERSION}/query`, async (req, reply) => {
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = bearer === undefined ? undefined : opts.session(bearer);
    const call = { api: 'salesforce-org', method: req.method, path: req.url };
    if (user === undefined) {
      opts.onCall?.({ ...call, status: 401, error: 'INVALID_SESSION_ID' });
      return reply.code(401).send(error('Session expired or invalid', 'INVALID_SESSION_ID'));
    }
    const { status, body } = query(req.query.q ?? '', user);
    opts.onCall?.({ ...call, status, sub: user, scheme: 'Bearer' });
    return reply.code(status).send(body);
  });
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, resource: SALESFORCE_ORG, close: () => app.close() };
}
