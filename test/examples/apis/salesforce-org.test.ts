/**
 * The Salesforce org's API serves only sessions its own login host issued (salesforce-login.ts),
 * each as its user: no token, a token it did not issue and a Mandate-style JWT are all 401
 * INVALID_SESSION_ID; a user sees only the cases they own; queries outside the one it serves get
 * Salesforce's error bodies. Real HTTP to both, an RS256 key of the test's own as the connected
 * app's certificate.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall, RunningApi } from '../../../examples/apis/common.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../examples/apis/salesforce-login.js';
import { API_VERSION, startSalesforceOrgApi } from '../../../examples/apis/salesforce-org.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const signed = (header: object, claims: object) => {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createSign('sha256').update(input).sign(privateKey).toString('base64url')}`;
};

let emu: SalesforceEmulator;
let api: RunningApi;
const calls: ApiCall[] = [];

beforeAll(async () => {
  emu = await startSalesforceEmulator({
    consumerKey: 'ck',
    users: {
      'alice@acme.example': { approved: true, userId: '005A' },
      'dave@acme.example': { approved: true, userId: '005D' },
    },
  });
  emu.setCertificate(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  api = await startSalesforceOrgApi({ session: emu.session, onCall: (c) => calls.push(c) });
});
afterAll(async () => {
  await api?.close();
  await emu?.close();
});

/** A session of `username`, from the login host by the JWT Bearer Flow. */
async function login(username: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signed({ alg: 'RS256' }, { iss: 'ck', sub: username, aud: emu.loginUrl, exp: now + 120 }),
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function query(soql: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api.url}/services/data/${API_VERSION}/query?q=${encodeURIComponent(soql)}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

const INVALID_SESSION = {
  status: 401,
  body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
};

describe('the Salesforce org API', () => {
  it("answers a session's query with that user's cases only, and the fields asked for", async () => {
    const alice = await login('alice@acme.example');
    const res = await query('SELECT CaseNumber, Status FROM Case', alice);
    expect(res).toEqual({
      status: 200,
      body: {
        totalSize: 2,
        done: true,
        records: [
          {
            attributes: {
              type: 'Case',
              url: `/services/data/${API_VERSION}/sobjects/Case/5005e00000AcmeAAA`,
            },
            CaseNumber: '00001026',
            Status: 'New',
          },
          {
            attributes: {
              type: 'Case',
              url: `/services/data/${API_VERSION}/sobjects/Case/5005e00000GlobAAA`,
            },
            CaseNumber: '00001027',
            Status: 'Working',
          },
        ],
      },
    });
    const dave = await login('dave@acme.example');
    const his = await query("SELECT Subject FROM Case WHERE Status = 'Escalated'", dave);
    expect(his.body).toMatchObject({
      totalSize: 1,
      records: [{ Subject: 'Initech: export to CSV times out' }],
    });
    expect(calls.at(-1)).toMatchObject({ api: 'salesforce-org', status: 200, sub: 'dave@acme.example' });
  });

  it('refuses a request without a session, with a token it did not issue, or with a JWT of another issuer', async () => {
    const mandateLike = signed(
      { alg: 'RS256', typ: 'at+jwt' },
      { iss: 'https://mandate.example', sub: 'alice', aud: 'https://acme.my.salesforce.example' },
    );
    const alice = await login('alice@acme.example');
    for (const token of [undefined, mandateLike, `${alice}x`])
      expect(await query('SELECT Subject FROM Case', token)).toEqual(INVALID_SESSION);
    expect(calls.at(-1)).toMatchObject({ status: 401, error: 'INVALID_SESSION_ID' });
    expect(calls.at(-1)?.sub).toBeUndefined();
  });

  it("answers other queries with Salesforce's error bodies", async () => {
    const alice = await login('alice@acme.example');
    expect(await query('SELECT Name FROM Account', alice)).toEqual({
      status: 400,
      body: [{ message: 'only SELECT … FROM Case is served here', errorCode: 'MALFORMED_QUERY' }],
    });
    expect(await query('SELECT Salary FROM Case', alice)).toEqual({
      status: 400,
      body: [{ message: "No such column 'Salary' on entity 'Case'", errorCode: 'INVALID_FIELD' }],
    });
  });
});
