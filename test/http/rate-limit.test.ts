/**
 * Rate limits per client address (issue 14 §4) on a real Mandate: dynamic registration, the
 * authorization endpoint and the development IdP's login each answer 429 with OAuth JSON and
 * Retry-After past their budget, counted in /metrics. With MANDATE_TRUST_PROXY naming the proxy,
 * the address is the client's from X-Forwarded-For (each client its own budget); without it, a
 * forged X-Forwarded-For gets no fresh budget. The key: IPv4 as it is (also IPv4-mapped), IPv6 by
 * its /64, so that one network's many addresses share one budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../../src/http/rate-limit.js';
import { PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { form, startTestService, type TestService } from '../helpers/service.js';

const budget = {
  MANDATE_RATE_LIMIT_REGISTER: '2/1h',
  MANDATE_RATE_LIMIT_AUTHORIZE: '2/1h',
  MANDATE_RATE_LIMIT_LOGIN: '2/1h',
};

function register(svc: TestService, headers: Record<string, string> = {}) {
  return fetch(`${svc.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      redirect_uris: ['http://localhost:6274/oauth/callback'],
      client_name: 'rate test',
    }),
  });
}

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({
    error: 'temporarily_unavailable',
    error_description: `too many requests; retry after ${retryAfter} seconds`,
  });
}

describe('rate limits per client address', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ env: budget });
  });
  afterAll(async () => svc?.close());

  it('dynamic registration: the budget, then 429; a forged X-Forwarded-For gets no fresh one', async () => {
    expect((await register(svc)).status).toBe(201);
    expect((await register(svc)).status).toBe(201);
    await expectRefused(await register(svc));
    // Not behind a trusted proxy: the header is the client's own claim and changes nothing.
    await expectRefused(await register(svc, { 'x-forwarded-for': '203.0.113.9' }));
  });

  it('the authorization endpoint: the budget, then 429 (GET and POST share it)', async () => {
    const authorize = `${svc.issuer}/authorize`;
    expect((await fetch(authorize, { redirect: 'manual' })).status).toBe(400);
    expect(
      (
        await fetch(authorize, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        })
      ).status,
    ).toBe(400);
    await expectRefused(await fetch(authorize, { redirect: 'manual' }));
  });

  it("the development IdP's login submissions: the budget, then 429; its pages are not counted", async () => {
    const login = `${svc.issuer}/dev-idp/interaction/no-such-interaction/login`;
    const submit = () =>
      fetch(login, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=alice&password=guess',
      });
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${svc.issuer}/dev-idp/.well-known/openid-configuration`)).status).toBe(200);
    expect((await submit()).status).not.toBe(429);
    expect((await submit()).status).not.toBe(429);
    await expectRefused(await submit());
  });

  it('counts the refusals in /metrics by limit', async () => {
    const text = await svc.service.metrics.text();
    expect(text).toMatch(/mandate_rate_limit_refusals_total\{limit="register"\} 2\n/);
    expect(text).toMatch(/mandate_rate_limit_refusals_total\{limit="authorize"\} 1\n/);
    expect(text).toMatch(/mandate_rate_limit_refusals_total\{limit="login"\} 1\n/);
  });
});

describe('behind a trusted proxy (MANDATE_TRUST_PROXY)', () => {
  let svc: TestService;
  beforeAll(async () => {
    // The test connects from 127.0.0.1, standing in for the load balancer.
    svc = await startTestService({
      env: { ...budget, MANDATE_RATE_LIMIT_TOKEN: '2/1h', MANDATE_TRUST_PROXY: 'loopback' },
      clients: [PUBLIC_CLIENT],
      resources: RESOURCES,
    });
  });
  afterAll(async () => svc?.close());

  it('limits each client named by X-Forwarded-For on its own budget', async () => {
    const alice = { 'x-forwarded-for': '198.51.100.1' };
    const bob = { 'x-forwarded-for': '198.51.100.2' };
    expect((await register(svc, alice)).status).toBe(201);
    expect((await register(svc, alice)).status).toBe(201);
    await expectRefused(await register(svc, alice));
    // A client behind the same balancer still has its budget.
    expect((await register(svc, bob)).status).toBe(201);
    // Only the proxy's own entry is believed: an address the client prepended is not the key.
    expect((await register(svc, { 'x-forwarded-for': '192.0.2.77, 198.51.100.1' })).status).toBe(429);
  });

  it("gives a public client's token requests a budget per client and address, not one for all its users", async () => {
    // A public client proves nothing by its id: every installation of it sends the same one.
    const redeem = (ip: string) =>
      fetch(`${svc.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: form({
          grant_type: 'authorization_code',
          client_id: PUBLIC_CLIENT.client_id,
          code: 'no-such-code',
          redirect_uri: 'https://app.example/cb',
          code_verifier: 'v'.repeat(43),
        }),
      });
    expect((await redeem('198.51.100.10')).status).toBe(400);
    expect((await redeem('198.51.100.10')).status).toBe(400);
    await expectRefused(await redeem('198.51.100.10'));
    // Another user of the same client, elsewhere, is not refused for the first one's requests.
    const other = await redeem('198.51.100.11');
    expect([other.status, ((await other.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
  });

  it('counts an IPv6 client by its /64: another address of the network gets no fresh budget', async () => {
    const from = (ip: string) => register(svc, { 'x-forwarded-for': ip });
    expect((await from('2001:db8:a:b::1')).status).toBe(201);
    expect((await from('2001:db8:a:b::2')).status).toBe(201);
    await expectRefused(await from('2001:db8:a:b:ffff::9'));
    expect((await from('2001:db8:a:c::1')).status).toBe(201);
  });
});

describe('addressKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:198.51.100.7', '198.51.100.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });

  it('gives two addresses of one /64 one key and of two /64s two', () => {
    expect(addressKey('2001:db8:a:b::1')).toBe(addressKey('2001:db8:a:b:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:a:b::1')).not.toBe(addressKey('2001:db8:a:c::1'));
  });
});
