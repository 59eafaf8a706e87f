/**
 * Turns what the protocol core reports (port.ts facts) into unsealed CloudEvents, masking as it
 * goes (mask.ts). Sequence and hashes are added later, under the chain-head lock (chain.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DecisionFact, TokenFact } from './port.js';
import type { DecisionData, TokenData, UnsealedEvent } from './events.js';
import { DECISION_EVENT_TYPE } from './events.js';
import { mask } from './mask.js';

/** The bundle name decision events report under `bundles` (Mandate loads one bundle). */
export const BUNDLE_NAME = 'policy';

export function decisionEvent(fact: DecisionFact, source: string, time: Date = new Date()): UnsealedEvent {
  const { decision, input } = fact;
  const mInput = mask(input, '/input');
  const mResult = mask(decision.result ?? null, '/result');
  const mEnforced = mask(
    {
      allow: decision.allow,
      scopes: decision.scopes,
      ttl_seconds: decision.ttl_seconds,
      reasons: decision.reasons,
      obligations: decision.obligations,
    },
    '/enforced',
  );
  const masked = [...mInput.masked, ...mResult.masked, ...mEnforced.masked];
  const data: DecisionData = {
    decision_id: decision.decision_id,
    path: decision.path,
    input: mInput.value,
    result: mResult.value,
    enforced: mEnforced.value,
    bundles: { [BUNDLE_NAME]: { revision: decision.bundle.revision, digest: decision.bundle.digest } },
    metrics: { ...decision.metrics },
    timestamp: decision.timestamp,
    ...(masked.length > 0 ? { masked } : {}),
  };
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: DECISION_EVENT_TYPE,
    time: time.toISOString(),
    subject: input.subject.sub,
    datacontenttype: 'application/json',
    data,
  };
}

export function tokenEvent(fact: TokenFact, source: string, time: Date = new Date()): UnsealedEvent {
  const m = mask(fact, '');
  const data: TokenData = { ...m.value, ...(m.masked.length > 0 ? { masked: m.masked } : {}) };
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: `dev.mandate.token.${fact.kind}`,
    time: time.toISOString(),
    subject: fact.sub ?? fact.client_id,
    datacontenttype: 'application/json',
    data,
  };
}
