// POST /bc-authorize (OpenID CIBA Core §7) over real HTTP: form bodies only (415 otherwise, as the
// token endpoint), 200 with exactly auth_req_id, expires_in, interval, approval_uri (the
// approval page of that request) and the policy's binding_message, and no-store, and
// refusals as OAuth JSON (§13) with the client challenged when its authentication fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../../helpers/exchange.js';
import { basic, form, type TestService } from '../../helpers/service.js';
import { approvalIdOf, askApproval, sfAuth, startApprovalService } from './approval-setup.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startApprovalService();
}, 120_000);
afterAll(async () => svc?.close());

describe('POST /bc-authorize', () => {
  it('starts an approval: auth_req_id, expires_in, interval, the page, the binding message; never cached', async () => {
    const res = await askApproval(svc);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual([
      'approval_uri',
      'auth_req_id',
      'binding_message',
      'expires_in',
      'interval',
    ]);
    // The page of this very request (its id, never the auth_req_id, is in the link).
    const id = await approvalIdOf(svc, res.body.auth_req_id as string);
    expect(res.body.approval_uri).toBe(`${svc.issuer}/approvals/${id}`);
    expect(res.body.approval_uri).not.toContain(res.body.auth_req_id as string);
    expect(res.body).toMatchObject({
      expires_in: 60,
      interval: 5,
      binding_message: 'alice asks to write to the CRM',
    });
    expect(res.body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a body that is not a form with 415 OAuth JSON', async () => {
    const res = await post(`${svc.issuer}/bc-authorize`, '{}', {
      'content-type': 'application/json',
      ...sfAuth,
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 415,
      body: {
        error: 'invalid_request',
        error_description: 'unsupported content type: use application/x-www-form-urlencoded',
      },
    });
  });

  it('refuses a request without a login hint as invalid_request', async () => {
    const res = await post(`${svc.issuer}/bc-authorize`, form({ scope: 'crm.write' }), sfAuth);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
  });

  it('refuses a wrong client secret as invalid_client (401) with a challenge', async () => {
    const res = await post(`${svc.issuer}/bc-authorize`, form({ scope: 'crm.write' }), {
      authorization: basic('mcp-salesforce', 'not-the-secret-0123456789'),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});
