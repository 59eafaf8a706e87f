// POST /introspect on the service's app over real HTTP: the form body and the Authorization header
// reach the core, every answer is JSON with no-store and Pragma: no-cache, and a body that is not
// a form is read as no parameters (so refused as the core refuses a missing token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, salesforceExchange, subjectClaims } from '../../helpers/exchange.js';
import { API, basic, form, startTestService, type TestService } from '../../helpers/service.js';

const RS_SECRET = 'resource-server-secret-0123456789abcdef';
let svc: TestService;
let token: string;

beforeAll(async () => {
  svc = await startTestService({
    clients: [
      {
        client_id: 'rs-api',
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: RS_SECRET,
        audiences: [API.salesforce],
      },
    ],
  });
  const res = await salesforceExchange(svc, {
    subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
    scope: 'crm.read',
  });
  token = String(res.body.access_token);
}, 60_000);
afterAll(async () => svc?.close());

const url = () => `${svc.issuer}/introspect`;
const rs = { authorization: basic('rs-api', RS_SECRET) };

describe('POST /introspect', () => {
  it('answers an active token to its audience, with no-store and Pragma: no-cache', async () => {
    const res = await post(url(), form({ token }), rs);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ active: true, scope: 'crm.read', aud: API.salesforce, sub: 'alice' });
  });

  it('answers active:false alone for what it does not know, with the same headers', async () => {
    const res = await post(url(), form({ token: 'not-a-token' }), rs);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { active: false } });
    expect(res.headers.get('pragma')).toBe('no-cache');
  });

  it('refuses a caller without credentials with invalid_client (401), as OAuth JSON', async () => {
    const res = await post(url(), form({ token }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication is required',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('reads a JSON body as no parameters: the token is missing', async () => {
    const res = await post(url(), JSON.stringify({ token }), { 'content-type': 'application/json', ...rs });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(String(res.body.error_description)).toMatch(/token/);
  });
});
