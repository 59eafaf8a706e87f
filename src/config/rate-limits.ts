/**
 * Rate limits and proxies in the environment (issue 14 §4, ADR 0010): MANDATE_RATE_LIMIT_* as
 * `N/window` (`600/1m`: 600 requests per minute) or `off`, and MANDATE_TRUST_PROXY, fastify's
 * `trustProxy`, so that a limit per address counts the client behind a load balancer, not the
 * balancer. The variables are plain validated strings in env.ts (their defaults show in
 * docs/configuration.md as written); the functions here turn them into what the service uses.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import type { RateLimitName, RateRule } from '../oauth/rate-limit.js';

const RULE = /^(off|([1-9]\d{0,8})\/([1-9]\d{0,4})?([smh]))$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;
/** Longer windows would keep a refused client out for more than a day. */
const MAX_WINDOW_SECONDS = 86_400;

const ruleMessage =
  'must be N/window (requests per window of seconds s, minutes m or hours h, e.g. 600/1m or 20/h), or off';

function ruleVariable(dflt: string, what: string) {
  return z
    .string()
    .regex(RULE, ruleMessage)
    .refine((v) => parseRule(v) === undefined || parseRule(v)!.windowSeconds <= MAX_WINDOW_SECONDS, {
      message: 'the window must be at most 24h',
    })
    .default(dflt)
    .describe(
      `Rate limit of ${what}: N/window (e.g. 600/1m, 20/h) or off. Past it the request is answered 429 temporarily_unavailable with Retry-After; shared by all instances through Postgres (DATABASE_URL), per instance with embedded PGlite (docs/operations.md#rate-limits).`,
    );
}

/** The rate-limit variables of the environment schema. */
export const rateLimitEnv = {
  MANDATE_RATE_LIMIT_TOKEN: ruleVariable(
    '3000/1m',
    'the token endpoint, per client (counted once the client is authenticated; a public client per client and address)',
  ),
  MANDATE_RATE_LIMIT_REGISTER: ruleVariable(
    '60/1h',
    'dynamic client registration (RFC 7591), per client address',
  ),
  MANDATE_RATE_LIMIT_AUTHORIZE: ruleVariable('300/1m', 'the authorization endpoint, per client address'),
  MANDATE_RATE_LIMIT_LOGIN: ruleVariable(
    '30/1m',
    "the development IdP's login form submissions, per client address",
  ),
  MANDATE_TRUST_PROXY: z
    .string()
    .refine((v) => parseTrustProxy(v) !== undefined, {
      message:
        'must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses and CIDR ranges (or loopback, linklocal, uniquelocal)',
    })
    .default('false')
    .describe(
      "Which proxies' X-Forwarded-For (and -Proto, -Host) to believe, as fastify's trustProxy: false (none: the client address is the TCP peer), true (all: only behind a proxy that overwrites the header), a number of hops, or the proxies' addresses and CIDR ranges, comma-separated (e.g. 10.0.0.0/8,loopback). The per-address rate limits and the address in decisions and logs use the result.",
    ),
};

/** `600/1m` → 600 per 60 s; `off` → undefined. The string has passed the schema's pattern. */
export function parseRule(raw: string): RateRule | undefined {
  const m = RULE.exec(raw);
  if (m === null || m[1] === 'off') return undefined;
  const unit = UNIT_SECONDS[m[4] as keyof typeof UNIT_SECONDS];
  return { limit: Number(m[2]), windowSeconds: Number(m[3] ?? '1') * unit };
}

export function rateRules(e: {
  MANDATE_RATE_LIMIT_TOKEN: string;
  MANDATE_RATE_LIMIT_REGISTER: string;
  MANDATE_RATE_LIMIT_AUTHORIZE: string;
  MANDATE_RATE_LIMIT_LOGIN: string;
}): Partial<Record<RateLimitName, RateRule>> {
  const rules: Partial<Record<RateLimitName, RateRule>> = {};
  const add = (name: RateLimitName, raw: string) => {
    const rule = parseRule(raw);
    if (rule !== undefined) rules[name] = rule;
  };
  add('token', e.MANDATE_RATE_LIMIT_TOKEN);
  add('register', e.MANDATE_RATE_LIMIT_REGISTER);
  add('authorize', e.MANDATE_RATE_LIMIT_AUTHORIZE);
  add('login', e.MANDATE_RATE_LIMIT_LOGIN);
  return rules;
}

/** fastify's trustProxy values; the names are proxy-addr's. */
export type TrustProxy = boolean | number | string[];
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  if (address === undefined || extra !== undefined) return false;
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  if (max === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
}

/** MANDATE_TRUST_PROXY → fastify's trustProxy; undefined when it is none of the forms. */
export function parseTrustProxy(raw: string): TrustProxy | undefined {
  const v = raw.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const entries = v.split(',').map((e) => e.trim());
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : undefined;
}
