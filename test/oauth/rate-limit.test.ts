/**
 * The limiter over its counter port (unit: the counter is a fake): requests up to the limit pass,
 * the next gets 429 temporarily_unavailable with Retry-After, a limit without a rule is never
 * counted, and a counter that fails or hangs lets the request through with one log line (fail open).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { OAuthError } from '../../src/oauth/errors.js';
import {
  createRateLimits,
  rateLimited,
  type RateLimitName,
  type WindowCounter,
} from '../../src/oauth/rate-limit.js';

/** Counts per key; every window ends `reset` seconds from now. */
function fakeCounter(reset = 42): WindowCounter & { calls: string[] } {
  const hits = new Map<string, number>();
  const calls: string[] = [];
  return {
    calls,
    hit(name, key, windowSeconds) {
      calls.push(`${name}|${key}|${windowSeconds}`);
      const n = (hits.get(`${name}|${key}`) ?? 0) + 1;
      hits.set(`${name}|${key}`, n);
      return Promise.resolve({ hits: n, resetInSeconds: reset });
    },
  };
}

async function refusal(p: Promise<void>): Promise<OAuthError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}

describe('createRateLimits', () => {
  it('lets `limit` requests per key through, then refuses with 429 and Retry-After', async () => {
    const refused: RateLimitName[] = [];
    const counter = fakeCounter(42);
    const limits = createRateLimits({
      rules: { token: { limit: 3, windowSeconds: 60 } },
      counter,
      log: createMemoryLogger(),
      onRefused: (n) => refused.push(n),
    });
    for (let i = 0; i < 3; i++) await limits.take('token', 'mcp-salesforce');
    const err = await refusal(limits.take('token', 'mcp-salesforce'));
    expect(err.status).toBe(429);
    expect(err.headers).toEqual({ 'Retry-After': '42' });
    expect(err.reason).toBe('rate_limited_token');
    expect(err.toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many requests; retry after 42 seconds',
    });
    expect(refused).toEqual(['token']);
    // Another key has its own budget.
    await limits.take('token', 'mcp-workday');
    expect(counter.calls[0]).toBe('token|mcp-salesforce|60');
  });

  it('does not count a limit that has no rule (off)', async () => {
    const counter = fakeCounter();
    const limits = createRateLimits({ rules: {}, counter, log: createMemoryLogger() });
    for (let i = 0; i < 5; i++) await limits.take('register', '127.0.0.1');
    expect(counter.calls).toEqual([]);
  });

  it('fails open when the counter throws, with one log line however many requests', async () => {
    const log = createMemoryLogger();
    const failures: RateLimitName[] = [];
    const limits = createRateLimits({
      rules: { register: { limit: 1, windowSeconds: 60 } },
      counter: { hit: () => Promise.reject(new Error('connection terminated')) },
      log,
      onCounterFailure: (n) => failures.push(n),
    });
    for (let i = 0; i < 5; i++) await limits.take('register', '10.0.0.1');
    expect(failures).toHaveLength(5);
    const lines = log.lines.filter((l) => l.msg.startsWith('rate limit not applied'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      fields: { limit: 'register', error: 'Error: connection terminated' },
    });
  });

  it('fails open when the counter does not answer within its deadline', async () => {
    const failures: RateLimitName[] = [];
    const limits = createRateLimits({
      rules: { login: { limit: 1, windowSeconds: 60 } },
      counter: { hit: () => new Promise(() => undefined) },
      log: createMemoryLogger(),
      onCounterFailure: (n) => failures.push(n),
      deadlineMs: 50,
    });
    const started = Date.now();
    await limits.take('login', '10.0.0.1');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(failures).toEqual(['login']);
  });
});

describe('rateLimited', () => {
  it.each([
    [0, '1'],
    [0.2, '1'],
    [59.1, '60'],
    [3600, '3600'],
  ])('rounds %s seconds up to a whole Retry-After of at least 1 (%s)', (seconds, header) => {
    expect(rateLimited('authorize', seconds).headers['Retry-After']).toBe(header);
  });
});
