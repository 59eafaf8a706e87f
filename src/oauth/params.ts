/**
 * Request parameters of an `application/x-www-form-urlencoded` body (RFC 6749 §3.2). Parameters
 * must not be repeated (§3.1) except those a specification lets repeat, such as RFC 8693's
 * `resource` and `audience`.
 */
import { OAuthError } from './errors.js';

/** Far more than any request of these protocols sends; bounds the work one request can cause. */
export const MAX_PARAMETERS = 64;

export class Params {
  private constructor(private readonly values: Map<string, string[]>) {}

  /**
   * The parameters of a form body or query string. Bytes that are not UTF-8 decode to U+FFFD
   * (WHATWG URL); a U+0000 (`%00`), which no Postgres text can hold and no parameter of these
   * protocols contains, refuses the whole request here, before any value is used.
   */
  static parse(body: string): Params {
    const values = new Map<string, string[]>();
    let count = 0;
    for (const [k, v] of new URLSearchParams(body)) {
      if (++count > MAX_PARAMETERS)
        throw new OAuthError('invalid_request', `more than ${MAX_PARAMETERS} parameters`, {
          reason: 'too_many_parameters',
        });
      if (k.includes('\u0000') || v.includes('\u0000'))
        throw new OAuthError('invalid_request', `parameter '${k}' contains a NUL character`, {
          reason: 'nul_in_parameter',
        });
      const list = values.get(k);
      if (list === undefined) values.set(k, [v]);
      else list.push(v);
    }
    return new Params(values);
  }

  /** A parameter that may appear at most once; an empty value counts as absent (RFC 6749 §3.1). */
  get(name: string): string | undefined {
    const list = this.values.get(name);
    if (list === undefined) return undefined;
    if (list.length > 1)
      throw new OAuthError('invalid_request', `parameter '${name}' must not be repeated`, {
        reason: 'parameter_repeated',
      });
    const [v] = list;
    return v === '' ? undefined : v;
  }

  require(name: string): string {
    const v = this.get(name);
    if (v === undefined)
      throw new OAuthError('invalid_request', `missing required parameter '${name}'`, {
        reason: 'parameter_missing',
      });
    return v;
  }

  /** A parameter that may repeat; empty values are ignored. */
  all(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v) => v !== '');
  }

  has(name: string): boolean {
    return this.all(name).length > 0;
  }

  /** How many times `name` was sent, empty values included. */
  count(name: string): number {
    return this.values.get(name)?.length ?? 0;
  }

  /** The parameters named in `names` alone: the others are ignored (RFC 6749 §3.2). */
  only(names: Iterable<string>): Params {
    const kept = new Map<string, string[]>();
    for (const name of names) {
      const list = this.values.get(name);
      if (list !== undefined) kept.set(name, list);
    }
    return new Params(kept);
  }
}

/** Bounds on a scope value: far above what any client asks for, far below what a body could hold. */
export const MAX_SCOPES = 100;
export const MAX_SCOPE_LENGTH = 256;

/** One scope token of RFC 6749 §3.3's grammar (scope-token = 1*NQCHAR), of bounded length. */
export function isScopeToken(s: string): boolean {
  return s.length <= MAX_SCOPE_LENGTH && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s);
}

/** Space-delimited scope (RFC 6749 §3.3), deduplicated; rejects characters outside its grammar. */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(' ').filter((s) => s !== '');
  if (parts.length > MAX_SCOPES)
    throw new OAuthError('invalid_scope', `more than ${MAX_SCOPES} scopes`, { reason: 'scope_too_many' });
  for (const s of parts) {
    if (!isScopeToken(s))
      throw new OAuthError('invalid_scope', `malformed scope token '${s}'`, { reason: 'scope_malformed' });
  }
  return [...new Set(parts)];
}
