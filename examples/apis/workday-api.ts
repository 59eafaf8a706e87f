/**
 * A Workday-like HR REST API. Only DPoP-bound Mandate tokens for `https://api.workday.example`
 * (rego/mandate/data.json: workday `require_dpop`); a user sees their own profile and time off,
 * and employee records only with `hr.records.read`, which policy grants to HR.
 */
import { randomUUID } from 'node:crypto';
import { apiApp, apiResourceServer, guard, listen, who, type ApiOptions, type RunningApi } from './common.js';
import { hrData } from './data.js';

export const WORKDAY_API = 'https://api.workday.example';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function startWorkdayApi(opts: ApiOptions): Promise<RunningApi> {
  const rs = apiResourceServer(opts, {
    resource: WORKDAY_API,
    name: 'Workday-like HR API',
    scopes: ['hr.profile.read', 'hr.timeoff.read', 'hr.timeoff.write', 'hr.records.read'],
    dpop: true,
  });
  const app = apiApp('workday-api', rs, opts);
  const db = hrData();
  const profile = (id: string) => {
    const e = db.employees.find((x) => x.id === id);
    return e === undefined
      ? undefined
      : { id: e.id, name: e.name, title: e.title, department: e.department, manager: e.manager };
  };

  app.get('/v1/workers/me', { preHandler: guard(rs, ['hr.profile.read']) }, async (req, reply) => {
    return profile(who(req).sub) ?? reply.code(404).send({ error: 'not_found' });
  });

  app.get('/v1/workers/me/time-off', { preHandler: guard(rs, ['hr.timeoff.read']) }, async (req) => {
    return { timeOff: db.timeOff.filter((t) => t.employee === who(req).sub) };
  });

  app.post<{ Body: { from?: unknown; to?: unknown } }>(
    '/v1/workers/me/time-off',
    { preHandler: guard(rs, ['hr.timeoff.write']) },
    async (req, reply) => {
      const { from, to } = req.body ?? {};
      if (
        typeof from !== 'string' ||
        typeof to !== 'string' ||
        !DATE.test(from) ||
        !DATE.test(to) ||
        to < from
      )
        return reply.code(400).send({ error: 'invalid_dates' });
      const entry = {
        id: `to-${randomUUID().slice(0, 8)}`,
        employee: who(req).sub,
        from,
        to,
        status: 'pending' as const,
      };
      db.timeOff.push(entry);
      return reply.code(201).send(entry);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workers/:id/record',
    { preHandler: guard(rs, ['hr.records.read']) },
    async (req, reply) => {
      const e = db.employees.find((x) => x.id === req.params.id);
      if (e === undefined) return reply.code(404).send({ error: 'not_found' });
      return { ...profile(e.id), record: e.record };
    },
  );

  return listen(app, rs, opts.port);
}
