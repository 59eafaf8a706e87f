/**
 * What a candidate bundle would change (issue 13 §1 `replay`): one recorded decision's enforced
 * outcome against the candidate's, on what a token depends on: allow/deny, granted scopes,
 * lifetime, obligations, and the reasons' stable codes (messages are for people and may be
 * reworded without changing a decision, so they are not compared).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Decision, DecisionInput, Reason } from '../contract.js';
import { reasonCode } from '../reasons.js';

/** The part of a decision replay compares: what Mandate enforced. */
export interface Outcome {
  allow: boolean;
  scopes: string[];
  ttl_seconds: number;
  reasons: Reason[];
  obligations: Record<string, unknown>;
}

/** One decision as the decision log recorded it (an audit event's `data`, issue 13 §1). */
export interface RecordedDecision {
  decision_id: string;
  /** The event's time (RFC 3339). */
  time: string;
  input: DecisionInput;
  enforced: Outcome;
  /** The revision of the bundle that decided it. */
  revision: string;
  /** The digest of the registry overlaid onto that bundle's data (ADR 0007), if any. */
  registry?: string;
  /** True when the audit masked part of the input: the replay saw `[masked]` where a value was. */
  masked: boolean;
}

export interface OutcomeChange {
  allow?: { before: boolean; after: boolean };
  scopes?: { added: string[]; removed: string[] };
  ttl_seconds?: { before: number; after: number };
  /** Reason codes gained and lost (a code counted as often as it occurs). */
  reasons?: { added: string[]; removed: string[] };
  obligations?: { before: Record<string, unknown>; after: Record<string, unknown> };
}

/** Members of `a` not matched in `b`, counting repeats (a multiset difference), in `a`'s order. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

/** Obligations as the engine reports them: `require_dpop` always present, false by default. */
function normalObligations(o: Record<string, unknown>): Record<string, unknown> {
  return { ...o, require_dpop: o.require_dpop === true };
}

/** The changes from `before` to `after`; undefined when the decision is the same. */
export function compareOutcomes(before: Outcome, after: Outcome): OutcomeChange | undefined {
  const change: OutcomeChange = {};
  if (before.allow !== after.allow) change.allow = { before: before.allow, after: after.allow };
  const added = minus(after.scopes, before.scopes);
  const removed = minus(before.scopes, after.scopes);
  if (added.length > 0 || removed.length > 0) change.scopes = { added, removed };
  if (before.ttl_seconds !== after.ttl_seconds)
    change.ttl_seconds = { before: before.ttl_seconds, after: after.ttl_seconds };
  const codesBefore = before.reasons.map(reasonCode);
  const codesAfter = after.reasons.map(reasonCode);
  const gained = minus(codesAfter, codesBefore);
  const lost = minus(codesBefore, codesAfter);
  if (gained.length > 0 || lost.length > 0) change.reasons = { added: gained, removed: lost };
  const ob = normalObligations(before.obligations);
  const oa = normalObligations(after.obligations);
  if (!isDeepStrictEqual(ob, oa)) change.obligations = { before: ob, after: oa };
  return Object.keys(change).length === 0 ? undefined : change;
}

export function outcomeOf(d: Decision): Outcome {
  return {
    allow: d.allow,
    scopes: d.scopes,
    ttl_seconds: d.ttl_seconds,
    reasons: d.reasons,
    obligations: d.obligations,
  };
}
