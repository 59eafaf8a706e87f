// The development IdP mounted under <issuer>/dev-idp over real HTTP: oidc-provider answers there
// (its discovery names the mounted issuer), request bodies reach it unread (no fastify parser in
// this scope, so no 415 and no OAuth JSON of Mandate's), and nothing outside the mount is its.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../helpers/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => svc?.close());

describe('dev IdP routes', () => {
  it('serves the IdP at <issuer>/dev-idp with its own discovery document', async () => {
    const res = await fetch(`${svc.issuer}/dev-idp/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const md = (await res.json()) as Record<string, string>;
    expect(md.issuer).toBe(`${svc.issuer}/dev-idp`);
    expect(md.token_endpoint!.startsWith(`${svc.issuer}/dev-idp/`)).toBe(true);
    const jwks = await fetch(md.jwks_uri!);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it('hands a form body to the IdP unread: it answers with its own error', async () => {
    const md = (await (
      await fetch(`${svc.issuer}/dev-idp/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    const res = await fetch(md.token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=nope&client_id=nobody',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as Record<string, string>;
    // oidc-provider read the body: it names what it found wrong with it.
    expect(body.error).toMatch(/^invalid_/);
    expect(body.error_description).not.toBe(
      'unsupported content type: use application/x-www-form-urlencoded',
    );
  });

  it('does not refuse a content type itself: what the IdP does not want, it says', async () => {
    const res = await fetch(`${svc.issuer}/dev-idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).not.toBe(415);
    expect(res.status).toBeLessThan(500);
  });

  it('answers any method under the mount, and leaves paths beside it to Mandate', async () => {
    const res = await fetch(`${svc.issuer}/dev-idp/no/such/page`, { method: 'PUT' });
    expect(res.status).toBe(404);
    // The IdP's own 404, not Mandate's catch-all.
    expect(await res.text()).not.toContain('no such endpoint');
    const beside = await fetch(`${svc.issuer}/dev-idpx`);
    expect(beside.status).toBe(404);
    expect(await beside.json()).toEqual({
      error: 'invalid_request',
      error_description: 'no such endpoint: GET /dev-idpx',
    });
  });
});
