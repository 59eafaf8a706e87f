/**
 * NATS_URL and NATS_CREDS: the servers (comma-separated, tried in order) without credentials, so
 * that they can be logged, and the credentials apart (src/audit/nats-auth.ts). A user and password
 * (`nats://mandate:secret@nats:4222`) or a token (`nats://token@nats:4222`), percent-encoded as in
 * any URL, apply to every listed server; NATS_CREDS names a credentials file instead.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import type { NatsAuth } from '../audit/nats-auth.js';

export class NatsUrlError extends Error {}

export function parseNatsUrl(
  raw: string,
  credsFile: string | undefined,
): { servers: string; auth: NatsAuth | undefined } {
  let auth: NatsAuth | undefined;
  const servers = raw.split(',').map((entry) => {
    let url: URL;
    try {
      url = new URL(entry.trim());
    } catch {
      throw new NatsUrlError(
        `NATS_URL: ${JSON.stringify(entry.replace(/\/\/[^@/]*@/, '//…@'))} is not a URL`,
      );
    }
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const found: NatsAuth =
        url.password === ''
          ? { kind: 'token', token: user }
          : { kind: 'password', user, pass: decodeURIComponent(url.password) };
      if (auth !== undefined && JSON.stringify(auth) !== JSON.stringify(found))
        throw new NatsUrlError('NATS_URL: every server must carry the same credentials (or only the first)');
      auth = found;
      url.username = '';
      url.password = '';
    }
    return url.toString();
  });
  if (credsFile !== undefined) {
    if (auth !== undefined)
      throw new NatsUrlError(
        'NATS_CREDS: set either a credentials file or a user and password in NATS_URL, not both',
      );
    const file = resolve(credsFile);
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new NatsUrlError(`NATS_CREDS: cannot read ${file}: ${(err as Error).message}`);
    }
    auth = { kind: 'creds', file };
  }
  return { servers: servers.join(','), auth };
}
