import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { natsAuthOptions } from '../../src/audit/nats-auth.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { parseNatsUrl } from '../../src/config/nats.js';

describe('NATS_URL credentials', () => {
  it('are taken out of every server URL, percent-decoded', () => {
    expect(parseNatsUrl('nats://mandate:p%40ss%2Fw@n1:4222,nats://n2:4222', undefined)).toEqual({
      servers: 'nats://n1:4222,nats://n2:4222',
      auth: { kind: 'password', user: 'mandate', pass: 'p@ss/w' },
    });
    expect(parseNatsUrl('tls://s3cr3t-token@nats.example:4222', undefined)).toEqual({
      servers: 'tls://nats.example:4222',
      auth: { kind: 'token', token: 's3cr3t-token' },
    });
    expect(parseNatsUrl('nats://127.0.0.1:4222', undefined)).toEqual({
      servers: 'nats://127.0.0.1:4222',
      auth: undefined,
    });
  });

  it('become the client options nats.js reads', () => {
    expect(natsAuthOptions({ kind: 'password', user: 'u', pass: 'p' })).toEqual({ user: 'u', pass: 'p' });
    expect(natsAuthOptions({ kind: 'token', token: 't' })).toEqual({ token: 't' });
    expect(natsAuthOptions(undefined)).toEqual({});
    expect(typeof natsAuthOptions({ kind: 'creds', file: '/x' }).authenticator).toBe('function');
  });

  it('are refused at start-up with an exact message when they conflict or cannot be read', async () => {
    const err = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ NATS_URL: 'nats://a:b@n1:4222,nats://a:c@n2:4222' })).toBe(
      'NATS_URL: every server must carry the same credentials (or only the first)',
    );
    expect(err({ NATS_CREDS: '/nonexistent/mandate.creds' })).toBe('NATS_CREDS: is set but NATS_URL is not');
    expect(err({ NATS_URL: 'nats://n1:4222', NATS_CREDS: '/nonexistent/mandate.creds' })).toMatch(
      /^NATS_CREDS: cannot read \/nonexistent\/mandate\.creds: ENOENT/,
    );
    expect(err({ NATS_URL: 'nats://a:b@n1:4222', NATS_CREDS: '/etc/hostname' })).toBe(
      'NATS_CREDS: set either a credentials file or a user and password in NATS_URL, not both',
    );
  });

  it('a readable creds file is kept by path, for the client to read at each connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mandate-creds-'));
    try {
      const file = join(dir, 'mandate.creds');
      await writeFile(file, 'creds');
      const config = loadConfig({ NATS_URL: 'nats://n1:4222', NATS_CREDS: file });
      expect(config.natsClient.auth).toEqual({ kind: 'creds', file });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
