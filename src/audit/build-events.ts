/**
 * Turns what the protocol core reports (port.ts facts) into unsealed CloudEvents, masking as it
 * goes (mask.ts). Sequence and hashes are added later, under the chain-head lock (chain.ts).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { DecisionFact, TokenFact, TraceIds } from './port.js';
import type { DecisionData, TokenData, UnsealedEvent } from './events.js';
import { DECISION_EVENT_TYPE, tokenDataSchema, tokenEventKinds } from './events.js';
import { MASK, maskCanonical } from './mask.js';
import type { PreparedEvent } from './chain.js';
import { prepareWithTexts } from './chain.js';
import { canonicalize } from './json-canonicalization.js';
import { decisionParties, partiesShape, tokenParties } from './parties.js';
import { splitResult } from './decision-result.js';

/** The bundle name decision events report under `bundles` (Mandate loads one bundle). */
export const BUNDLE_NAME = 'policy';

export function decisionEvent(
  fact: DecisionFact,
  source: string,
  time: Date = new Date(),
  trace?: TraceIds,
): UnsealedEvent {
  return decisionEventPrepared(fact, source, time, trace).event;
}

/** The decision event, prepared for sealing: its `data` canonicalized by the masking walk. */
export function decisionEventPrepared(
  fact: DecisionFact,
  source: string,
  time: Date = new Date(),
  trace?: TraceIds,
): PreparedEvent {
  const { decision, input } = fact;
  const mInput = maskCanonical(input, '/input');
  const enforced = {
    allow: decision.allow,
    scopes: decision.scopes,
    ttl_seconds: decision.ttl_seconds,
    reasons: decision.reasons,
    obligations: decision.obligations,
  };
  // One copy of the decision: the raw result's members identical to `enforced` are stored there only.
  const split = splitResult(decision.result, enforced);
  const mResult = split.result === undefined ? undefined : maskCanonical(split.result, '/result');
  const mEnforced = maskCanonical(enforced, '/enforced');
  const masked = [...mInput.masked, ...(mResult?.masked ?? []), ...mEnforced.masked];
  const data: DecisionData = {
    decision_id: decision.decision_id,
    ...decisionParties(mInput.value),
    path: decision.path,
    input: mInput.value,
    ...(mResult === undefined ? {} : { result: mResult.value }),
    ...(split.shared === undefined ? {} : { result_shared: split.shared }),
    enforced: mEnforced.value,
    bundles: { [BUNDLE_NAME]: { revision: decision.bundle.revision, digest: decision.bundle.digest } },
    ...(decision.bundle.registry === undefined ? {} : { registry: { digest: decision.bundle.registry } }),
    metrics: { ...decision.metrics },
    timestamp: decision.timestamp,
    ...(trace === undefined ? {} : { trace_id: trace.trace_id, span_id: trace.span_id }),
    ...(masked.length > 0 ? { masked } : {}),
  };
  const event: UnsealedEvent = {
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
  const done: Record<string, string> = { input: mInput.text, enforced: mEnforced.text };
  if (mResult !== undefined) done.result = mResult.text;
  return prepareWithTexts(event, { data: objectText(data, done) });
}

/**
 * Canonical JSON of an object Mandate built, given the texts of some members already made: the
 * members sorted (RFC 8785 §3.2.3) and the others canonicalized.
 */
function objectText(obj: Record<string, unknown>, done: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    parts.push(JSON.stringify(key) + ':' + (done[key] ?? canonicalize(v)));
  }
  return '{' + parts.join(',') + '}';
}

export function tokenEvent(fact: TokenFact, source: string, time: Date = new Date()): UnsealedEvent {
  return tokenEventPrepared(fact, source, time).event;
}

/** The token event, prepared for sealing. */
export function tokenEventPrepared(fact: TokenFact, source: string, time: Date = new Date()): PreparedEvent {
  const m = maskCanonical(fact, '');
  const typed = typedTokenData(m.value as unknown as Record<string, unknown>, m.masked);
  const data: TokenData = {
    ...typed,
    ...tokenParties(typed),
    ...(m.masked.length > 0 ? { masked: m.masked } : {}),
  };
  const event: UnsealedEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source,
    type: `dev.mandate.token.${fact.kind}`,
    time: time.toISOString(),
    ...principal(typed),
    datacontenttype: 'application/json',
    data,
  };
  // The walk's text is the data's when typing kept every member as it was and nothing was masked.
  const same = m.masked.length === 0 && sameKeys(m.value as object, data);
  return prepareWithTexts(event, same ? { data: m.text } : {});
}

function sameKeys(a: object, b: object): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k));
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
    // `masked` and the parties are Mandate's own, derived from the rest; a fact cannot set them.
    if (member === undefined || key === 'masked' || key in partiesShape) continue;
    if (plainlyTyped(key, value) || member.safeParse(value).success) out[key] = value;
    else {
      masked.push(`/${key}`);
      // An authenticated client's id stays `[masked]`: absent, it would read as none authenticated.
      if (key === 'client_id' || !member.safeParse(undefined).success) out[key] = MASK;
    }
  }
  return out as TokenData;
}

const kinds: ReadonlySet<unknown> = new Set(tokenEventKinds);
const nonEmpty = new Set(['action', 'client_id']);

/**
 * True for the values a token fact usually holds, which its schema member certainly accepts (a
 * string, a non-empty one for `action` and `client_id`, a safe integer for `iat`/`exp`, a kind):
 * the schema is asked only about the rest, which is how typing costs nothing per event.
 */
function plainlyTyped(key: string, value: unknown): boolean {
  switch (key) {
    case 'kind':
      return kinds.has(value);
    case 'iat':
    case 'exp':
      return Number.isSafeInteger(value);
    case 'act':
    case 'aud':
    case 'masked':
      return false;
    default:
      return typeof value === 'string' && (value !== '' || !nonEmpty.has(key));
  }
}

/**
 * The event's `subject`: the user, else the authenticated client; absent when neither is a
 * non-empty string (a client id a refused request only claimed is no principal).
 */
function principal(data: TokenData): { subject?: string } {
  const p = data.sub !== undefined && data.sub !== '' ? data.sub : data.client_id;
  return p !== undefined && p !== '' && p !== MASK ? { subject: p } : {};
}
