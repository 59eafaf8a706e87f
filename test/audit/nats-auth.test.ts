/**
 * The audit relay's NATS client against a server that requires a user and password (as the compose
 * file's NATS does): the credentials written in NATS_URL are used, a wrong password is refused, and
 * what the configuration keeps as the server list (which is logged) holds no password.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createTestNatsServer, type TestNatsServer } from './nats-server.js';

const log = createLogger('error');
// Characters a URL must percent-encode, as a generated password may hold them.
const password = `${randomBytes(12).toString('base64url')}/:@%+`;
let nats: TestNatsServer;

beforeAll(async () => {
  nats = await createTestNatsServer(['--user', 'mandate', '--pass', password]);
});
afterAll(async () => {
  await nats.remove();
});

function sinkFor(pass: string) {
  const hostPort = nats.url.replace('nats://', '');
  const config = loadConfig({
    NATS_URL: `nats://mandate:${encodeURIComponent(pass)}@${hostPort}`,
    MANDATE_NATS_CONNECT_TIMEOUT_MS: '2000',
  });
  expect(config.natsUrl).toBe(nats.url);
  expect(config.natsUrl).not.toContain(encodeURIComponent(pass));
  return createJetStreamSink({
    servers: config.natsUrl!,
    ...config.natsClient,
    name: `AUTH_${randomBytes(4).toString('hex').toUpperCase()}`,
    log,
  });
}

describe('NATS credentials in NATS_URL', () => {
  it('connect and create the audit stream with the right password', async () => {
    const sink = sinkFor(password);
    try {
      await sink.open();
      expect(await sink.tail()).toEqual({ position: 0, last: undefined });
    } finally {
      await sink.close();
    }
  });

  it('are refused when wrong, and without them nothing connects', async () => {
    const wrong = sinkFor(`${password}x`);
    try {
      await expect(wrong.open()).rejects.toThrow(/Authorization Violation/i);
    } finally {
      await wrong.close();
    }
    const none = createJetStreamSink({ servers: nats.url, name: 'AUTH_NONE', log, connectTimeoutMs: 2000 });
    try {
      await expect(none.open()).rejects.toThrow(/Authorization Violation/i);
    } finally {
      await none.close();
    }
  });
});
