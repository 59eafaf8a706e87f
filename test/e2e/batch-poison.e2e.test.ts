/**
 * One request never fails its neighbours (issue 10 §3), end to end over real HTTP and a real
 * Postgres: an anonymous party registers a client (RFC 7591), signs client assertions (RFC 7523)
 * whose `jti` no replay record can hold (a U+0000, a lone surrogate, an over-long or empty one, a
 * number, an array), and sends them while eight honest clients exchange tokens with DPoP proofs
 * (RFC 9449). Replay records of both kinds share the same group commit (src/store/replay-store.ts),
 * so a bad record reaching a batch statement would fail the honest requests written with it (before
 * e525cdf, 24 of these 64 honest exchanges got 503). Every honest exchange must succeed, no poisoned
 * request may be accepted, and the audit chain must still verify.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPostgres } from '../../src/audit/verify.js';
import { generateDpopKey, type DpopKey } from '@mandate/mcp-kit';
import { API, basic, form, MCP, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { ACCESS_TOKEN, nowSeconds, post, TOKEN_EXCHANGE, type WireResult } from '../helpers/exchange.js';

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const HONEST_CLIENTS = 8;
const EXCHANGES_PER_CLIENT = 8;
const ROUNDS = 4;

/** `jti` values no replay record can hold, or that are not a `jti` at all. */
const POISON_JTIS: [string, unknown][] = [
  ['a U+0000', `poison\u0000${randomUUID()}`],
  ['a lone surrogate', `poison\ud800${randomUUID()}`],
  ['an over-long jti', 'j'.repeat(5000)],
  ['an empty jti', ''],
  ['a number', 42],
  ['an array', ['a', 'b']],
];

let svc: TestService;
let attacker: { clientId: string; privateKey: CryptoKey };

beforeAll(async () => {
  svc = await startTestService();
  // The attacker needs nothing but the open registration endpoint.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const res = await fetch(`${svc.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] },
    }),
  });
  expect(res.status).toBe(201);
  attacker = { clientId: String(((await res.json()) as { client_id: string }).client_id), privateKey };
});
afterAll(async () => svc?.close());

/** A correctly signed client assertion of the attacker's client, with the given `jti`. */
function assertion(jti: unknown): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ jti } as Record<string, unknown>)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(attacker.clientId)
    .setSubject(attacker.clientId)
    .setAudience(svc.tokenEndpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(attacker.privateKey);
}

async function poisoned(jti: unknown): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: 'authorization_code',
      code: 'never-issued',
      redirect_uri: 'http://127.0.0.1/cb',
      code_verifier: 'v'.repeat(43),
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await assertion(jti),
    }),
  );
}

/** One honest DPoP-bound exchange by mcp-salesforce for Alice. */
async function honest(key: DpopKey): Promise<WireResult> {
  const now = nowSeconds();
  const subject = await svc.idp.mint(
    {
      iss: svc.idp.issuer,
      sub: 'alice',
      aud: MCP.salesforce,
      groups: ['sales'],
      scope: 'crm.read',
      iat: now,
      exp: now + 600,
    },
    { typ: 'at+jwt' },
  );
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      scope: 'crm.read',
    }),
    {
      authorization: basic('mcp-salesforce', SECRETS.salesforce),
      dpop: await key.proof({ method: 'POST', url: svc.tokenEndpoint }),
    },
  );
}

describe('poisoned replay records next to honest traffic (issue 10 §3)', () => {
  it('every honest DPoP exchange succeeds while poisoned client assertions share its batches', async () => {
    const keys = await Promise.all(Array.from({ length: HONEST_CLIENTS }, () => generateDpopKey()));
    const honestResults: WireResult[] = [];
    const poisonResults: { name: string; res: WireResult }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each honest client works through its exchanges while the attacker sends every poison
      // several times: all of it in flight together, so the records share batch statements.
      const honestWork = keys.map(async (key) => {
        for (let i = 0; i < EXCHANGES_PER_CLIENT / ROUNDS; i++) honestResults.push(await honest(key));
      });
      const poisonWork = [0, 1, 2].flatMap(() =>
        POISON_JTIS.map(async ([name, jti]) => poisonResults.push({ name, res: await poisoned(jti) })),
      );
      await Promise.all([...honestWork, ...poisonWork]);
    }

    expect(honestResults).toHaveLength(HONEST_CLIENTS * EXCHANGES_PER_CLIENT);
    const failures = honestResults.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`);
    expect(failures).toEqual([]);
    for (const r of honestResults) {
      expect(r.body.token_type).toBe('DPoP');
      // Granted exactly what was asked: RFC 8693 §2.2.1 leaves `scope` out.
      expect(r.body).not.toHaveProperty('scope');
    }

    // However the poison is refused, it is never accepted, and the audit chain stays whole.
    expect(poisonResults).toHaveLength(ROUNDS * 3 * POISON_JTIS.length);
    for (const { name, res } of poisonResults) expect(res.status, `${name}: ${res.text}`).not.toBe(200);
    expect(await verifyPostgres(svc.db.db)).toMatchObject({ ok: true });
  });

  it('the attacker can still use its client with a well-formed assertion, once', async () => {
    const jti = randomUUID();
    const first = await poisoned(jti);
    // Authenticated: the refusal is now about the code, not the client.
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('invalid_grant');
    const again = await poisoned(jti);
    expect(again.status).toBe(401);
    expect(again.body).toEqual({
      error: 'invalid_client',
      error_description: 'client_assertion has already been used',
    });
  });
});
