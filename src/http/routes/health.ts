/** Liveness (`/healthz`) and readiness (`/readyz`: 200 only when database, keys and policy are loaded). */
import type { FastifyInstance } from 'fastify';

/** Each check: `ok`, a readable `detail`, and any structured fields the component reports. */
export type ReadinessCheck = () => Promise<
  Record<string, { ok: boolean; detail?: string; [field: string]: unknown }>
>;

export function healthRoutes(
  app: FastifyInstance,
  readiness: ReadinessCheck,
  metrics: () => Record<string, unknown> | Promise<Record<string, unknown>>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    // Both bounded: readiness by the database's health timeout, metrics likewise (audit relay).
    const [checks, extra] = await Promise.all([readiness(), metrics()]);
    const ok = Object.values(checks).every((c) => c.ok);
    return reply
      .status(ok ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ status: ok ? 'ready' : 'not_ready', checks, ...extra });
  });
}
