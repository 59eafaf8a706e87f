import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

describe('createLogger', () => {
  it('writes one JSON line per call: level as a word, ISO time, pid, msg, fields', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    log.debug('not at info');
    log.info('hello', { n: 1 });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', pid: process.pid, msg: 'hello', n: 1 });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  it('redacts credentials, tokens, codes and assertions at the top level and one level down', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    const secret = 'S3CRET-value-0123456789';
    log.warn('x', {
      client_secret: secret,
      headers: { authorization: `Bearer ${secret}`, cookie: secret, dpop: secret, accept: 'ok' },
      body: { code: secret, code_verifier: secret, refresh_token: secret, assertion: secret },
      subject_token: secret,
    });
    expect(lines[0]).not.toContain(secret);
    const line = JSON.parse(lines[0]!) as { headers: Record<string, string> };
    expect(line.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      dpop: '[redacted]',
      accept: 'ok',
    });
  });
});
