/**
 * What any string from outside must be before it is stored, hashed or compared: text that Postgres
 * `text` columns and UTF-8 hold exactly. U+0000 cannot be stored in Postgres text at all, and a lone
 * UTF-16 surrogate has no UTF-8 form (drivers turn it into U+FFFD, so two different strings would
 * become the same stored value). Shared by the protocol boundary (oauth), the stores and the audit
 * builder, so all three agree on what "clean text" means.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` holds no U+0000 and no lone surrogate. */
export function isCleanText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

/** Why `value` is not clean text of at most `max` characters, or undefined when it is. */
export function textProblem(
  value: unknown,
  max: number,
): 'not_string' | 'too_long' | 'nul' | 'surrogate' | undefined {
  if (typeof value !== 'string') return 'not_string';
  if (value.length > max) return 'too_long';
  if (value.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(value)) return 'surrogate';
  return undefined;
}

/** `s` with every U+0000 and lone surrogate replaced by U+FFFD: for text that must be recorded as is. */
export function cleanText(s: string): string {
  return isCleanText(s)
    ? s
    : s.replaceAll('\u0000', '\uFFFD').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** Longest identifier a lookup is made for: URL client ids and issuers fit; btree keys stay small. */
export const MAX_KEY_LENGTH = 2048;

/**
 * True when `v` can be the key of a stored row: clean text of 1 to {@link MAX_KEY_LENGTH}
 * characters. A lookup by anything else is a miss without asking the database (which would refuse
 * a NUL with an error, not an empty result).
 */
export function isLookupKey(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY_LENGTH && isCleanText(v);
}

/** How deep a JSON value from outside may nest (tool arguments, AuthZEN properties). */
export const MAX_JSON_DEPTH = 32;

/**
 * Why a JSON value from outside cannot become a typed value, or undefined when it can: a string
 * or member name that is not clean text (Postgres and UTF-8 cannot hold it as sent), a number JSON
 * parsing turned into ±Infinity (`1e400`: a policy would see `null`, and `null < limit` holds in
 * Rego), or nesting deeper than `maxDepth`. The one check for every JSON body and JSON-valued
 * parameter, so that what the policy decides on is exactly what was sent.
 */
export function jsonValueProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const walk = (v: unknown, depth: number): string | undefined => {
    if (typeof v === 'string')
      return isCleanText(v) ? undefined : 'holds a NUL character or a lone surrogate';
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'holds a number out of range';
    if (typeof v !== 'object' || v === null) return undefined;
    if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const item of v) {
        const p = walk(item, depth + 1);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    for (const [k, item] of Object.entries(v)) {
      if (!isCleanText(k)) return 'has a member name with a NUL character or a lone surrogate';
      const p = walk(item, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  };
  return walk(value, 0);
}
