import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, basic, form, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

describe('token exchange over real HTTP', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it("exchanges alice's token for a narrowed Salesforce token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const subject = await svc.idp.mint(
      {
        iss: svc.idp.issuer,
        sub: 'alice',
        aud: MCP.salesforce,
        groups: ['sales'],
        scope: 'crm.read crm.write hr.records.read',
        iat: now,
        exp: now + 600,
        client_id: 'claude-desktop',
      },
      { typ: 'at+jwt' },
    );
    const res = await fetch(svc.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      },
      body: form({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: API.salesforce,
        scope: 'crm.read',
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
    });
    expect(body.scope).toBeUndefined();
    const jwks = createRemoteJWKSet(new URL(`${svc.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
      issuer: svc.issuer,
      audience: API.salesforce,
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({
      sub: 'alice',
      client_id: 'mcp-salesforce',
      scope: 'crm.read',
      act: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: { sub: 'claude-desktop' } },
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
  });
});
