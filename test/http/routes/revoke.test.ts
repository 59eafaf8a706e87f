// POST /revoke (RFC 7009 §2.2) on the service's app over real HTTP: 200 with an empty body and
// no-store whatever the token was, the token really revoked (introspection then says inactive), and
// client authentication refused as OAuth JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, salesforceExchange, subjectClaims } from '../../helpers/exchange.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

const RS_SECRET = 'resource-server-secret-0123456789abcdef';
let svc: TestService;

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
}, 60_000);
afterAll(async () => svc?.close());

const owner = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };
const revoke = (body: string, headers: Record<string, string> = owner) =>
  post(`${svc.issuer}/revoke`, body, headers);

async function issued(): Promise<string> {
  const res = await salesforceExchange(svc, {
    subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
  });
  expect(res.status, res.text).toBe(200);
  return String(res.body.access_token);
}

describe('POST /revoke', () => {
  it('revokes an access token the caller holds: 200, empty, no-store; then inactive', async () => {
    const token = await issued();
    const res = await revoke(form({ token, token_type_hint: 'access_token' }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const seen = await post(`${svc.issuer}/introspect`, form({ token }), {
      authorization: basic('rs-api', RS_SECRET),
    });
    expect(seen.body).toEqual({ active: false });
  });

  it('answers 200 and empty for a token it does not know', async () => {
    const res = await revoke(form({ token: 'no-such-token' }));
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: '' });
  });

  it("does not revoke another client's token, and still answers 200", async () => {
    const token = await issued();
    const other = await revoke(form({ token, client_id: 'mcp-workday', client_secret: SECRETS.workday }), {});
    expect(other.status).toBe(200);
    const seen = await post(`${svc.issuer}/introspect`, form({ token }), {
      authorization: basic('rs-api', RS_SECRET),
    });
    expect(seen.body.active).toBe(true);
  });

  it('refuses a wrong secret as invalid_client (401) OAuth JSON', async () => {
    const res = await revoke(form({ token: 'x' }), {
      authorization: basic('mcp-salesforce', 'wrong-secret-0123456789'),
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});
