/**
 * One copy of the decision in a decision event (issue 12 §3): the policy's raw result and what
 * Mandate enforced usually agree member for member, so an event stores `enforced` in full and:
 * no `result` at all when the raw result was exactly `enforced`'s five members (the usual case);
 * otherwise, in `result`, only the raw members that differ from `enforced`'s, with
 * `result_shared` naming the raw members identical to `enforced`'s (stored there only). Events
 * written before this always have a whole `result` (`null` for a failed evaluation) and no
 * `result_shared`; `rawResultOf` reads every form.
 */
/** The members `enforced` has, the only ones a raw result can share with it. */
export const ENFORCED_MEMBERS = ['allow', 'scopes', 'ttl_seconds', 'reasons', 'obligations'] as const;
export type EnforcedMember = (typeof ENFORCED_MEMBERS)[number];

export interface SplitResult {
  /**
   * The raw result's members that are not identical to `enforced`'s (or the whole raw value);
   * undefined when the raw result was exactly `enforced`'s members.
   */
  result?: unknown;
  /** Raw members identical to `enforced`'s, in ENFORCED_MEMBERS order; absent when none is. */
  shared?: EnforcedMember[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Strict equality of JSON values (`-0` is not `0`; members compared by name, arrays in order).
 * Hand-written rather than util.isDeepStrictEqual: that one's generality (prototypes, Maps,
 * symbols, cycles) cost more per event than storing the members once saves.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka)
    if (
      !Object.hasOwn(b, k) ||
      !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    )
      return false;
  return true;
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
    if (Object.hasOwn(raw, key) && sameJson(raw[key], enforced[key])) shared.push(key);
  if (shared.length === 0) return { result: raw };
  if (shared.length === ENFORCED_MEMBERS.length && Object.keys(raw).length === shared.length) return {};
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
 * The policy's raw result (masked as the event holds it) from a decision event of any form:
 * `enforced`'s members when there is no `result`; `result` itself when there is no
 * `result_shared`; else `result` with the shared members taken back from `enforced`.
 */
export function rawResultOf(data: StoredResult): unknown {
  // No `result` (never so before result_shared existed): the raw result was exactly `enforced`.
  const shared = data.result === undefined ? ENFORCED_MEMBERS : data.result_shared;
  if (shared === undefined) return data.result;
  const out: Record<string, unknown> = isPlainObject(data.result) ? { ...data.result } : {};
  for (const key of shared) out[key] = data.enforced[key];
  return out;
}
