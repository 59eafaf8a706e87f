/**
 * One copy of the decision in a decision event (issue 12 §3): the policy's raw result and what
 * Mandate enforced usually agree member for member, so an event stores `enforced` in full and, in
 * `result`, only the raw members that differ from it; `result_shared` names the raw members that
 * were identical to `enforced`'s and are stored there only. Events written before this have no
 * `result_shared` and a full `result`; `rawResultOf` reads both.
 */
import { isDeepStrictEqual } from 'node:util';

/** The members `enforced` has, the only ones a raw result can share with it. */
export const ENFORCED_MEMBERS = ['allow', 'scopes', 'ttl_seconds', 'reasons', 'obligations'] as const;
export type EnforcedMember = (typeof ENFORCED_MEMBERS)[number];

export interface SplitResult {
  /** The raw result's members that are not identical to `enforced`'s (or the whole raw value). */
  result: unknown;
  /** Raw members identical to `enforced`'s, in ENFORCED_MEMBERS order; absent when none is. */
  shared?: EnforcedMember[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The raw result as stored next to `enforced`. A raw value that is not an object (`null` for a
 * failed evaluation, or a policy's out-of-contract answer) is stored whole. Identity is strict
 * deep equality (`-0` is not `0`), so what is shared is exactly what `enforced` holds.
 */
export function splitResult(raw: unknown, enforced: Readonly<Record<EnforcedMember, unknown>>): SplitResult {
  if (!isPlainObject(raw)) return { result: raw ?? null };
  const shared: EnforcedMember[] = [];
  for (const key of ENFORCED_MEMBERS)
    if (Object.hasOwn(raw, key) && isDeepStrictEqual(raw[key], enforced[key])) shared.push(key);
  if (shared.length === 0) return { result: raw };
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if ((shared as string[]).includes(key)) continue;
    // Defined, not assigned: a member named `__proto__` stays a member.
    Object.defineProperty(rest, key, {
      value: raw[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { result: rest, shared };
}

/** A decision event's data, as far as the raw result is concerned (old and new events). */
export interface StoredResult {
  result?: unknown;
  result_shared?: readonly string[] | undefined;
  enforced: Readonly<Record<string, unknown>>;
}

/**
 * The policy's raw result (masked as the event holds it) from a decision event of either form:
 * `result` itself when the event has no `result_shared`, else `result` with the shared members
 * taken back from `enforced`.
 */
export function rawResultOf(data: StoredResult): unknown {
  const shared = data.result_shared;
  if (shared === undefined) return data.result ?? null;
  const out: Record<string, unknown> = isPlainObject(data.result) ? { ...data.result } : {};
  for (const key of shared) out[key] = data.enforced[key];
  return out;
}
