/**
 * A Salesforce-like CRM REST API. It trusts nothing but Mandate-issued downstream tokens for
 * `https://api.salesforce.example` and shows each user only the accounts and opportunities they own.
 */
import { apiApp, apiResourceServer, guard, listen, who, type ApiOptions, type RunningApi } from './common.js';
import { crmData, STAGES } from './data.js';

export const SALESFORCE_API = 'https://api.salesforce.example';

export async function startSalesforceApi(opts: ApiOptions): Promise<RunningApi> {
  const rs = apiResourceServer(opts, {
    resource: SALESFORCE_API,
    name: 'Salesforce-like CRM API',
    scopes: ['crm.read', 'crm.write'],
    dpop: false,
  });
  const app = apiApp('salesforce-api', rs, opts);
  const db = crmData();

  app.get<{ Querystring: { q?: string } }>(
    '/v1/accounts',
    { preHandler: guard(rs, ['crm.read']) },
    async (req) => {
      const q = (req.query.q ?? '').toLowerCase();
      return {
        accounts: db.accounts.filter((a) => a.owner === who(req).sub && a.name.toLowerCase().includes(q)),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/opportunities/:id',
    { preHandler: guard(rs, ['crm.read']) },
    async (req, reply) => {
      const opp = db.opportunities.find((o) => o.id === req.params.id && o.owner === who(req).sub);
      // Another owner's opportunity does not exist as far as this user can tell.
      return opp ?? reply.code(404).send({ error: 'not_found' });
    },
  );

  app.patch<{ Params: { id: string }; Body: { stage?: unknown } }>(
    '/v1/opportunities/:id',
    { preHandler: guard(rs, ['crm.write']) },
    async (req, reply) => {
      const opp = db.opportunities.find((o) => o.id === req.params.id && o.owner === who(req).sub);
      if (opp === undefined) return reply.code(404).send({ error: 'not_found' });
      const stage = req.body?.stage;
      if (typeof stage !== 'string' || !STAGES.includes(stage))
        return reply.code(400).send({ error: 'invalid_stage', stages: STAGES });
      opp.stage = stage;
      return opp;
    },
  );

  return listen(app, rs, opts.port);
}
