/**
 * The environment schema on its own (loadConfig adds the cross-variable checks): defaults,
 * coercion, bounds, the URL rules of the issuer, the upstream IdP and the approval webhook, and the
 * form of the webhook's Standard Webhooks secret.
 */
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';

const issues = (env: Record<string, string>) => {
  const r = envSchema.safeParse(env);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('envSchema', () => {
  it('an empty environment takes the defaults, numbers coerced from strings', () => {
    const e = envSchema.parse({});
    expect(e).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      MANDATE_DATA_DIR: 'data',
      MANDATE_TOKEN_TTL: 300,
      MANDATE_AUTH_CODE_TTL: 60,
      MANDATE_SESSION_TTL: 28800,
      MANDATE_CLOCK_SKEW: 60,
      MANDATE_LOG_LEVEL: 'info',
      MANDATE_DPOP_REQUIRE_NONCE: 'false',
      MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS: 2000,
      UPSTREAM_OIDC_SCOPES: 'openid profile email',
      UPSTREAM_OIDC_GROUPS_CLAIM: 'groups',
    });
    expect(e.MANDATE_ISSUER).toBeUndefined();
    expect(envSchema.parse({ PORT: '9000', MANDATE_TOKEN_TTL: '3600' })).toMatchObject({
      PORT: 9000,
      MANDATE_TOKEN_TTL: 3600,
    });
  });

  it('enforces the bounds of ports and durations', () => {
    expect(issues({ PORT: '65536' })[0]).toMatch(/^PORT: /);
    expect(issues({ PORT: '1.5' })[0]).toMatch(/^PORT: /);
    expect(issues({ MANDATE_TOKEN_TTL: '29' })[0]).toMatch(/^MANDATE_TOKEN_TTL: /);
    expect(issues({ MANDATE_TOKEN_TTL: '3601' })[0]).toMatch(/^MANDATE_TOKEN_TTL: /);
    expect(issues({ MANDATE_TOKEN_TTL: '30' })).toEqual([]);
    expect(issues({ MANDATE_AUTH_CODE_TTL: '601' })[0]).toMatch(/^MANDATE_AUTH_CODE_TTL: /);
    expect(issues({ MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS: '99' })[0]).toMatch(
      /^MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS: /,
    );
    expect(issues({ MANDATE_LOG_LEVEL: 'trace' })[0]).toMatch(/^MANDATE_LOG_LEVEL: /);
  });

  it('the issuer: http(s), no trailing slash, query or fragment, https unless on loopback', () => {
    for (const ok of [
      'https://auth.example',
      'https://auth.example/tenant',
      'http://localhost:8080',
      'http://127.0.0.1',
      'http://[::1]:3000',
    ])
      expect(issues({ MANDATE_ISSUER: ok }), ok).toEqual([]);
    expect(issues({ MANDATE_ISSUER: 'https://auth.example/' })).toEqual([
      "MANDATE_ISSUER: must not end with '/' (the issuer is compared byte for byte)",
    ]);
    expect(issues({ MANDATE_ISSUER: 'https://auth.example?x=1' })).toEqual([
      'MANDATE_ISSUER: must not have a query or fragment (RFC 8414 §2)',
    ]);
    expect(issues({ MANDATE_ISSUER: 'https://auth.example#f' })).toEqual([
      'MANDATE_ISSUER: must not have a query or fragment (RFC 8414 §2)',
    ]);
    expect(issues({ MANDATE_ISSUER: 'http://auth.example' })).toEqual([
      'MANDATE_ISSUER: must use https unless the host is localhost',
    ]);
    expect(issues({ MANDATE_ISSUER: 'ftp://auth.example' })).toContain(
      'MANDATE_ISSUER: must be an http(s) URL',
    );
  });

  it('the upstream IdP and the approval webhook must use https off loopback', () => {
    expect(issues({ UPSTREAM_OIDC_ISSUER: 'http://idp.example' })).toEqual([
      'UPSTREAM_OIDC_ISSUER: must use https unless the host is localhost',
    ]);
    expect(issues({ UPSTREAM_OIDC_ISSUER: 'http://localhost:9000/realms/x' })).toEqual([]);
    const webhook =
      'MANDATE_APPROVAL_WEBHOOK_URL: must be an https URL (http only on localhost, 127.0.0.1 or [::1])';
    expect(issues({ MANDATE_APPROVAL_WEBHOOK_URL: 'http://hooks.example/x' })).toEqual([webhook]);
    expect(issues({ MANDATE_APPROVAL_WEBHOOK_URL: 'ftp://localhost/x' })).toEqual([webhook]);
    expect(issues({ MANDATE_APPROVAL_WEBHOOK_URL: 'http://127.0.0.1:9/x' })).toEqual([]);
    expect(issues({ MANDATE_APPROVAL_WEBHOOK_URL: 'https://hooks.example/x' })).toEqual([]);
  });

  it('the approval webhook secret is whsec_ and the canonical base64 of 24 to 64 bytes', () => {
    const form =
      'MANDATE_APPROVAL_WEBHOOK_SECRET: must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks), e.g. whsec_$(openssl rand -base64 32)';
    const secret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 1).toString('base64')}`;
    const refused = (v: string) => issues({ MANDATE_APPROVAL_WEBHOOK_SECRET: v });
    expect(refused(secret(24))).toEqual([]);
    expect(refused(secret(32))).toEqual([]);
    expect(refused(secret(64))).toEqual([]);
    expect(refused(secret(23))).toEqual([form]); // under the spec's 192 bits
    expect(refused(secret(65))).toEqual([form]);
    expect(refused(Buffer.alloc(32, 1).toString('base64'))).toEqual([form]); // no prefix
    expect(refused('whsec_not base64 at all!!')).toEqual([form]);
    expect(refused(`${secret(32)}x`)).toEqual([form]); // not canonical base64
    expect(refused('whsec_')).toEqual([form]);
    // The message never repeats the value it refused.
    expect(refused(secret(23)).join()).not.toContain(secret(23).slice(6));
  });
});
