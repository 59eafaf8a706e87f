/**
 * Decorators the composition root puts around ports so that the core stays free of metrics:
 * policy decisions (action, outcome, evaluation time), replay records (a `false` from
 * `remember` is a replay refused), and the database (failed statements and transactions).
 */
import type { PolicyDecisionService } from '../policy/engine.js';
import type { Db } from '../store/db.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { Metrics } from './metrics.js';

/** `d` with another `decide` (a decorator's); every other method is `d`'s. */
export function withDecide(
  d: PolicyDecisionService,
  decide: PolicyDecisionService['decide'],
): PolicyDecisionService {
  return {
    decide,
    ready: () => d.ready(),
    close: () => d.close(),
    reload: () => d.reload(),
    bundle: () => d.bundle(),
    status: () => d.status(),
  };
}

export function instrumentDecisions(d: PolicyDecisionService, m: Metrics): PolicyDecisionService {
  return withDecide(d, (input) => {
    const r = d.decide(input);
    m.decision(
      input.action,
      r.result === undefined ? 'error' : r.allow ? 'allow' : 'deny',
      r.metrics.timer_eval_ns / 1e9,
    );
    return r;
  });
}

/** Namespaces are `<kind>:<scope>` (dpop:<jkt>, client_assertion:<client>, id_jag:<issuer>). */
export function instrumentReplay(r: ReplayStore, m: Metrics): ReplayStore {
  return {
    async remember(namespace, key, expiresAt) {
      const first = await r.remember(namespace, key, expiresAt);
      if (!first) m.replayRefused(namespace.split(':')[0] ?? namespace);
      return first;
    },
    purgeExpired: (now) => r.purgeExpired(now),
  };
}

export function instrumentDb(db: Db, m: Metrics): Db {
  const counted = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      m.dbError();
      throw err;
    });
  return {
    kind: db.kind,
    query: (sql, params, opts) => counted(db.query(sql, params, opts)),
    exec: (sql) => counted(db.exec(sql)),
    tx: (fn, opts) => counted(db.tx(fn, opts)),
    probe: () => db.probe(),
    ...(db.poolUse === undefined ? {} : { poolUse: () => db.poolUse!() }),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}
