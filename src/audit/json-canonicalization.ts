/**
 * Canonical JSON in the style of RFC 8785 (JSON Canonicalization Scheme): object members sorted by
 * their UTF-16 code units, no whitespace, numbers and strings serialized as ECMAScript's
 * `JSON.stringify` does (RFC 8785 §3.2.2.3 and §3.2.2.2 adopt exactly those rules). The audit hash
 * chain hashes this form, so a stored event re-serialized by Postgres (jsonb reorders keys) or by a
 * consumer still hashes to the same value.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // RFC 8785 §3.2.2.3: NaN and the infinities have no JSON form.
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot represent a non-finite number');
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
  }
}

function canonicalArray(values: unknown[]): string {
  // JSON.stringify turns undefined array members into null; keep that behaviour.
  return '[' + values.map((v) => (v === undefined ? 'null' : canonicalize(v))).join(',') + ']';
}

function canonicalObject(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    parts.push(JSON.stringify(key) + ':' + canonicalize(v));
  }
  return '{' + parts.join(',') + '}';
}
