/**
 * `DATABASE_URL` as libpq users write it, including several hosts and `target_session_attrs`
 * (PostgreSQL manual §34.1.1–2: `postgres://user@h1:5432,h2:5432/db?target_session_attrs=read-write`).
 * node-postgres takes one host per connection and does not know `target_session_attrs`, so the
 * store splits the list into one single-host URL per server and checks the session itself
 * (pg-hosts.ts). Only the attributes a writer can use are accepted: Mandate writes on every request.
 */

export type TargetSessionAttrs = 'any' | 'read-write' | 'primary';

export interface DatabaseHost {
  /** `host:port` as written, for logs. */
  label: string;
  /** A single-host connection URL node-postgres can parse (credentials and parameters kept). */
  url: string;
}

export interface ParsedDatabaseUrl {
  hosts: DatabaseHost[];
  targetSessionAttrs: TargetSessionAttrs;
}

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/;
const WRITERS = new Set(['any', 'read-write', 'primary']);
const READERS = new Set(['read-only', 'standby', 'prefer-standby']);

export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const m = SHAPE.exec(url);
  if (m === null)
    throw new DatabaseUrlError('must be a postgres:// URL (postgres://user:password@host:port/db)');
  const [, scheme, userinfo, hostList, path, query] = m as unknown as [
    string,
    string,
    string | undefined,
    string,
    string,
    string | undefined,
  ];
  const params = new URLSearchParams(query?.slice(1) ?? '');
  const tsa = params.get('target_session_attrs') ?? 'any';
  if (READERS.has(tsa))
    throw new DatabaseUrlError(
      `target_session_attrs=${tsa} cannot work: Mandate writes on every request (use read-write or primary)`,
    );
  if (!WRITERS.has(tsa))
    throw new DatabaseUrlError(
      `target_session_attrs=${tsa} is not one of any, read-write, primary (PostgreSQL manual §34.1.2)`,
    );
  if ((params.get('host') ?? '').includes(','))
    throw new DatabaseUrlError(
      'list several hosts in the address part (postgres://user@host1:5432,host2:5432/db), not in a host parameter',
    );
  params.delete('target_session_attrs');
  const rest = params.toString();
  const names = hostList.split(',');
  if (names.length > 1 && names.some((h) => h === ''))
    throw new DatabaseUrlError('the host list has an empty entry');
  const hosts = names.map((host) => {
    const single = `${scheme}${userinfo === undefined ? '' : `${userinfo}@`}${host}${path}${rest === '' ? '' : `?${rest}`}`;
    try {
      new URL(single);
    } catch {
      throw new DatabaseUrlError(`'${host}' is not a valid host[:port]`);
    }
    return { label: host === '' ? 'localhost' : host, url: single };
  });
  return { hosts, targetSessionAttrs: tsa as TargetSessionAttrs };
}
