/**
 * How Mandate's NATS clients (the audit relay, `mandate audit verify --stream` and `tail`) prove who
 * they are. nats.js ignores a user and password written in a server URL, so the configuration takes
 * them out of NATS_URL (src/config/nats.ts) and they are given to the client here.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';

export type NatsAuth =
  | { kind: 'password'; user: string; pass: string }
  | { kind: 'token'; token: string }
  /** A NATS credentials file (user JWT and NKey seed), read again at every connection. */
  | { kind: 'creds'; file: string };

export function natsAuthOptions(auth: NatsAuth | undefined): Partial<ConnectionOptions> {
  if (auth === undefined) return {};
  switch (auth.kind) {
    case 'password':
      return { user: auth.user, pass: auth.pass };
    case 'token':
      return { token: auth.token };
    case 'creds':
      return { authenticator: credsAuthenticator(() => readFileSync(auth.file)) };
  }
}
