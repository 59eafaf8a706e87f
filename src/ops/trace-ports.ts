/**
 * Decorators the composition root puts around ports so that the core stays free of tracing, as
 * instrument.ts does for metrics: the policy decision, the mint (where the access token is
 * signed), the audit commit (which also stamps the entry with the request's trace, so that the
 * decision event carries it) and the database. Each is a child span of the request's span.
 */
import type { AuditPort } from '../audit/port.js';
import type { Mint } from '../oauth/tokens/mint.js';
import type { PolicyDecisionService } from '../policy/engine.js';
import type { Db } from '../store/db.js';
import { withDecide } from './instrument.js';
import { activeTrace, inSpan } from './tracing.js';

export function traceDecisions(d: PolicyDecisionService): PolicyDecisionService {
  return withDecide(d, (input) =>
    inSpan('policy.decide', { 'mandate.action': input.action }, (span) => {
      const r = d.decide(input);
      span?.setAttributes({
        'mandate.decision_id': r.decision_id,
        'mandate.decision.allow': r.allow,
        'mandate.policy.revision': r.bundle.revision,
      });
      return r;
    }),
  );
}

export function traceMint(mint: Mint): Mint {
  return (allowed) => inSpan('token.sign', { 'mandate.grant_type': allowed.grantType }, () => mint(allowed));
}

export function traceAudit(port: AuditPort): AuditPort {
  return {
    commit(entry) {
      const trace = activeTrace();
      const stamped = trace === undefined || entry.trace !== undefined ? entry : { ...entry, trace };
      return inSpan(
        'audit.commit',
        { 'mandate.audit.events': (entry.decision === undefined ? 0 : 1) + entry.tokens.length },
        () => port.commit(stamped),
      );
    },
    close: () => port.close(),
  };
}

/** Statement text only, never parameters (they carry codes, token ids and client data). */
function dbAttributes(db: Db, sql?: string): Record<string, string> {
  const text = sql?.trim() ?? '';
  return {
    'db.system.name': 'postgresql',
    'mandate.db.kind': db.kind,
    ...(text === '' ? {} : { 'db.operation.name': text.split(/\s/, 1)[0]!.toUpperCase() }),
    ...(text === '' ? {} : { 'db.query.text': text.slice(0, 2048) }),
  };
}

export function traceDb(db: Db): Db {
  return {
    kind: db.kind,
    query: (sql, params, opts) =>
      inSpan('db.query', dbAttributes(db, sql), () => db.query(sql, params, opts)),
    exec: (sql) => inSpan('db.exec', dbAttributes(db, sql), () => db.exec(sql)),
    tx: (fn, opts) => inSpan('db.transaction', dbAttributes(db), () => db.tx(fn, opts)),
    probe: () => db.probe(),
    ...(db.poolUse === undefined ? {} : { poolUse: () => db.poolUse!() }),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}
