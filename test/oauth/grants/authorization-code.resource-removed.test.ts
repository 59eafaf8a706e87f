/**
 * A protected resource taken out of the configuration (docs/first-hop.md: "Tokens are issued for
 * these resources only"; RFC 8707 §2): a code for it is already refused at the token endpoint, and a
 * refresh token of an earlier grant for it must mint nothing more either, even while the policy
 * still knows the MCP server. Two instances on one database stand for a configuration roll-out.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { form, startTestService, type TestService } from '../../helpers/service.js';
import { PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';
import { loggedIn, newCode, REDIRECT } from '../../helpers/first-hop-session.js';

async function post(svc: TestService, body: Record<string, string>) {
  const res = await fetch(svc.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a resource removed from the configuration', () => {
  let db: TestDatabase;
  let before: TestService;
  let after: TestService;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { MANDATE_KEK: randomBytes(32).toString('base64url') };
    before = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES, db, env });
    // The Salesforce MCP server is no longer served; the policy data still names it.
    const rest = RESOURCES.filter((r) => r.resource !== RESOURCES[0]!.resource);
    after = await startTestService({ clients: [PUBLIC_CLIENT], resources: rest, db, env });
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
    await db?.drop();
  });

  it('refresh tokens of earlier grants for it are refused with invalid_target', async () => {
    const browser = await loggedIn(before.issuer);
    const g = await newCode(browser, before.issuer);
    const redeemed = await post(before, {
      grant_type: 'authorization_code',
      client_id: PUBLIC_CLIENT.client_id,
      code: g.code,
      code_verifier: g.pkce.verifier,
      redirect_uri: REDIRECT,
    });
    expect(redeemed.status).toBe(200);

    const refreshed = await post(after, {
      grant_type: 'refresh_token',
      client_id: PUBLIC_CLIENT.client_id,
      refresh_token: String(redeemed.body.refresh_token),
    });
    expect(refreshed).toEqual({
      status: 400,
      body: { error: 'invalid_target', error_description: 'the resource is no longer served' },
    });
  });
});
