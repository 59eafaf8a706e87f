/**
 * Request parameters of an `application/x-www-form-urlencoded` body (RFC 6749 §3.2). Parameters
 * must not be repeated (§3.1) except those a specification lets repeat, such as RFC 8693's
 * `resource` and `audience`.
 */
import { OAuthError } from './errors.js';

export class Params {
  private constructor(private readonly values: Map<string, string[]>) {}

  static parse(body: string): Params {
    const values = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(body)) {
      const list = values.get(k);
      if (list === undefined) values.set(k, [v]);
      else list.push(v);
    }
    return new Params(values);
  }

  static from(record: Record<string, string | string[]>): Params {
    return new Params(new Map(Object.entries(record).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])));
  }

  /** A parameter that may appear at most once; an empty value counts as absent (RFC 6749 §3.1). */
  get(name: string): string | undefined {
    const list = this.values.get(name);
    if (list === undefined) return undefined;
    if (list.length > 1) throw new OAuthError('invalid_request', `parameter '${name}' must not be repeated`);
    const [v] = list;
    return v === '' ? undefined : v;
  }

  require(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw new OAuthError('invalid_request', `missing required parameter '${name}'`);
    return v;
  }

  /** A parameter that may repeat; empty values are ignored. */
  all(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v) => v !== '');
  }

  has(name: string): boolean {
    return this.all(name).length > 0;
  }
}

/** Space-delimited scope (RFC 6749 §3.3), deduplicated; rejects characters outside its grammar. */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(' ').filter((s) => s !== '');
  for (const s of parts) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))
      throw new OAuthError('invalid_scope', `malformed scope token '${s}'`);
  }
  return [...new Set(parts)];
}
