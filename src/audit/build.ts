/**
 * Turns what the protocol core reports (port.ts facts) into unsealed CloudEvents, masking as it
 * goes (mask.ts). Sequence and hashes are added later, under the chain-head lock (chain.ts).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { DecisionFact, TokenFact, TraceIds } from './port.js';
import type { DecisionData, TokenData, UnsealedEvent } from './events.js';
import { DECISION_EVENT_TYPE, tokenDataSchema } from './events.js';
import { MASK, mask } from './mask.js';

/** The bundle name decision events report under `bundles` (Mandate loads one bundle). */
export const BUNDLE_NAME = 'policy';

export function decisionEvent(
  fact: DecisionFact,
  source: string,
  time: Date = new Date(),
  trace?: TraceIds,
): UnsealedEvent {
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
    ...(decision.bundle.registry === undefined ? {} : { registry: { digest: decision.bundle.registry } }),
    metrics: { ...decision.metrics },
    timestamp: decision.timestamp,
    ...(trace === undefined ? {} : { trace_id: trace.trace_id, span_id: trace.span_id }),
    ...(masked.length > 0 ? { masked } : {}),
  };
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: DECISION_EVENT_TYPE,
    time: time.toISOString(),
    // CloudEvents §3.1.1: `subject` is a non-empty string when present.
    ...(input.subject.sub === '' ? {} : { subject: input.subject.sub }),
    datacontenttype: 'application/json',
    data,
  };
}

export function tokenEvent(fact: TokenFact, source: string, time: Date = new Date()): UnsealedEvent {
  const m = mask(fact, '');
  const typed = typedTokenData(m.value as unknown as Record<string, unknown>, m.masked);
  const data: TokenData = { ...typed, ...(m.masked.length > 0 ? { masked: m.masked } : {}) };
  return {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: `dev.mandate.token.${fact.kind}`,
    time: time.toISOString(),
    ...principal(typed),
    datacontenttype: 'application/json',
    data,
  };
}

const tokenMembers = tokenDataSchema.shape as Record<string, z.ZodType>;

/**
 * A token event's members as its schema types them. Facts carry what a request carried (a `sub`
 * a trusted issuer signed as a number, a `jti` as an array); such a value would make `audit verify`
 * report a sound event as invalid, so it is masked like a secret (optional members left out,
 * required ones and `client_id` `[masked]`) and said so in `masked`. The event then holds exactly what was hashed.
 */
function typedTokenData(data: Record<string, unknown>, masked: string[]): TokenData {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const member = tokenMembers[key];
    if (member === undefined || key === 'masked') continue;
    if (member.safeParse(value).success) out[key] = value;
    else {
      masked.push(`/${key}`);
      // An authenticated client's id stays `[masked]`: absent, it would read as none authenticated.
      if (key === 'client_id' || !member.safeParse(undefined).success) out[key] = MASK;
    }
  }
  return out as TokenData;
}

/**
 * The event's `subject`: the user, else the authenticated client; absent when neither is a
 * non-empty string (a client id a refused request only claimed is no principal).
 */
function principal(data: TokenData): { subject?: string } {
  const p = data.sub !== undefined && data.sub !== '' ? data.sub : data.client_id;
  return p !== undefined && p !== '' && p !== MASK ? { subject: p } : {};
}
