/**
 * MANDATE_RATE_LIMIT_* and MANDATE_TRUST_PROXY (issue 14 §4): the forms each accepts, what they
 * become, and the exact start-up message for a value that is none of them.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { BASE_ENV, configRefusal } from '../helpers/config.js';
import { parseRule, parseTrustProxy } from '../../src/config/rate-limits.js';

const base = BASE_ENV;
const refusal = configRefusal;

describe('rate limit variables', () => {
  it.each([
    ['600/1m', { limit: 600, windowSeconds: 60 }],
    ['20/h', { limit: 20, windowSeconds: 3600 }],
    ['5/10s', { limit: 5, windowSeconds: 10 }],
    ['100/15m', { limit: 100, windowSeconds: 900 }],
    ['off', undefined],
  ])('%s', (raw, rule) => {
    expect(parseRule(raw)).toEqual(rule);
  });

  it('has defaults for every limit', () => {
    expect(loadConfig(base).rateLimits).toEqual({
      token: { limit: 3000, windowSeconds: 60 },
      register: { limit: 60, windowSeconds: 3600 },
      authorize: { limit: 300, windowSeconds: 60 },
      login: { limit: 30, windowSeconds: 60 },
    });
  });

  it('leaves out a limit set to off', () => {
    const c = loadConfig({ ...base, MANDATE_RATE_LIMIT_REGISTER: 'off', MANDATE_RATE_LIMIT_TOKEN: '7/s' });
    expect(c.rateLimits.register).toBeUndefined();
    expect(c.rateLimits.token).toEqual({ limit: 7, windowSeconds: 1 });
  });

  it.each(['600', '600/', '0/1m', '-1/1m', '10/1d', '10/0m', '1.5/1m', '10 / 1m', 'unlimited'])(
    'refuses %s with the exact message',
    (raw) => {
      expect(refusal({ MANDATE_RATE_LIMIT_TOKEN: raw })).toBe(
        'MANDATE_RATE_LIMIT_TOKEN: must be N/window (requests per window of seconds s, minutes m or hours h, e.g. 600/1m or 20/h), or off',
      );
    },
  );

  it('refuses a window longer than a day', () => {
    expect(refusal({ MANDATE_RATE_LIMIT_LOGIN: '10/25h' })).toBe(
      'MANDATE_RATE_LIMIT_LOGIN: the window must be at most 24h',
    );
  });
});

describe('MANDATE_TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.1, loopback,fd00::/8', ['10.0.0.1', 'loopback', 'fd00::/8']],
  ])('%s', (raw, value) => {
    expect(parseTrustProxy(raw)).toEqual(value);
    expect(loadConfig({ ...base, MANDATE_TRUST_PROXY: raw }).trustProxy).toEqual(value);
  });

  it('is false by default: the client address is the TCP peer', () => {
    expect(loadConfig(base).trustProxy).toBe(false);
  });

  it.each(['yes', '10.0.0.0/33', 'proxy.example', '10.0.0.1,', '::1/129', '1.2.3.4/8/8'])(
    'refuses %s with the exact message',
    (raw) => {
      expect(refusal({ MANDATE_TRUST_PROXY: raw })).toBe(
        'MANDATE_TRUST_PROXY: must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses and CIDR ranges (or loopback, linklocal, uniquelocal)',
      );
    },
  );
});
