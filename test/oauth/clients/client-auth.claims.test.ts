/**
 * Client authentication with private_key_jwt (RFC 7523 §2.2, §3) against a running Mandate: a client
 * assertion's claims are typed before use (src/oauth/tokens/claims.ts), so a `jti` that is not a
 * non-empty string (a number, null, an array, "", U+0000, overlong) is `invalid_client` with an exact
 * body, never accepted and never a 5xx (issue 10 §1, §2).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, form, startTestService, type TestService } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  buildPolicyVariant,
  nowSeconds,
  post,
  subjectClaims,
  TOKEN_EXCHANGE,
  type WireResult,
} from '../../helpers/exchange.js';

const CLIENT = 'mcp-assertions';
const CLIENT_MCP = 'https://mcp.assertions.example/mcp';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** A client assertion for CLIENT whose claims `overrides` replaces (undefined removes one). */
function assertion(svc: TestService, overrides: Record<string, unknown> = {}): Promise<string> {
  const now = nowSeconds();
  const claims = Object.fromEntries(
    Object.entries({
      iss: CLIENT,
      sub: CLIENT,
      aud: svc.tokenEndpoint,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...overrides,
    }).filter(([, v]) => v !== undefined),
  );
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'assertions-1' }).sign(key.privateKey);
}

async function exchangeWith(svc: TestService, clientAssertion: string): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      subject_token: await svc.idp.mint(subjectClaims(svc, { aud: CLIENT_MCP }), { typ: 'at+jwt' }),
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      scope: 'crm.read',
    }),
  );
}

const JTI_RULE = "client_assertion claim 'jti' must be a non-empty string";

const refusedJti: [name: string, jti: unknown, description: string][] = [
  ['a number', 42, JTI_RULE],
  ['null', null, JTI_RULE],
  ['an array', ['a', 'b'], JTI_RULE],
  ['an object', { id: 'a' }, JTI_RULE],
  ['an empty string', '', JTI_RULE],
  ['a string with U+0000', 'jti\u0000x', JTI_RULE],
  ['a string with a lone surrogate', 'jti\uDC00', JTI_RULE],
  ['a string of 2049 characters', 'j'.repeat(2049), JTI_RULE],
  ['absent', undefined, 'client_assertion jti claim is missing'],
];

describe('private_key_jwt client assertions: typed claims', () => {
  let svc: TestService;
  beforeAll(async () => {
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-client-auth-')), 'bundle.tar.gz'),
      (data) => {
        data.actors[CLIENT] = { services: ['salesforce'] };
      },
      'client-auth-test',
    );
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'assertions-1', alg: 'ES256', use: 'sig' };
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      clients: [
        {
          client_id: CLIENT,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [jwk] },
          audiences: [CLIENT_MCP],
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  it('a well-formed assertion authenticates the client (the table below is not vacuous)', async () => {
    const res = await exchangeWith(svc, await assertion(svc));
    expect(res.status, res.text).toBe(200);
  });

  it.each(refusedJti)('a jti that is %s is invalid_client', async (_name, jti, description) => {
    const res = await exchangeWith(svc, await assertion(svc, { jti }));
    expect({ status: res.status, body: res.body }, res.text).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: description },
    });
    // The client used no HTTP authentication, so no Basic challenge (RFC 6749 §5.2).
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('the same jti string twice is a replay, whatever it looks like', async () => {
    const jti = `  ${randomUUID()} ✓ `;
    expect((await exchangeWith(svc, await assertion(svc, { jti }))).status).toBe(200);
    const again = await exchangeWith(svc, await assertion(svc, { jti }));
    expect({ status: again.status, body: again.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client_assertion has already been used' },
    });
  });

  it('an exp no timestamp column holds is invalid_client, not a 5xx', async () => {
    const res = await exchangeWith(svc, await assertion(svc, { exp: 1e300 }));
    expect({ status: res.status, body: res.body }).toEqual({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: "client_assertion claim 'exp' must be a NumericDate",
      },
    });
  });
});
