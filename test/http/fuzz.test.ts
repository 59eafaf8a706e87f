/**
 * The HTTP fuzz (issue 10, "Done when"): hostile requests to every advertised endpoint of a running
 * Mandate (real HTTP, Postgres, compiled default policy, the audit relay writing JSON lines), with
 * JWTs signed by keys it trusts so that hostile claims pass the signature check. Every answer must
 * satisfy fuzz-oracle.ts; afterwards nothing was logged as an unhandled error, the audit chain the
 * fuzz produced verifies in Postgres and in the relay's file, and an honest exchange still works.
 *
 * Fixed seed and bounded: MANDATE_FUZZ_SEED explores other inputs, MANDATE_FUZZ_RUNS sets the
 * requests per endpoint group, MANDATE_FUZZ_SECONDS the time budget of all of them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJsonLines, verifyPostgres } from '../../src/audit/verify.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { eventually, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { buildRequest, type FuzzContext } from './fuzz-build.js';
import { newSigner } from './fuzz-jwt.js';
import { check, type OracleContext, type Violation } from './fuzz-oracle.js';
import {
  authorizePlan,
  devIdpPlan,
  discoveryPlan,
  introspectPlan,
  registerPlan,
  revokePlan,
} from './fuzz-endpoints.js';
import { JWT_BEARER, tokenPlan, type Plan } from './fuzz-plans.js';
import { send, type RawRequest } from './fuzz-wire.js';

const SEED = Number(process.env.MANDATE_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.MANDATE_FUZZ_RUNS ?? 300);
const BUDGET_MS = Number(process.env.MANDATE_FUZZ_SECONDS ?? 45) * 1000;
/** The token endpoint gets two shares of the time budget, each other group one. */
const SHARES = 7;
const MIN_RUNS = Math.min(RUNS, 60);
const CONCURRENCY = 4;
const AI_CLIENT_SECRET = 'fuzz-ai-client-secret-0123456789abcdefgh';

interface Found {
  count: number;
  examples: { index: number; detail: string; request: string }[];
}

function describeRequest(req: RawRequest): string {
  const body =
    req.body === undefined ? '' : ` body=${JSON.stringify(req.body.toString('latin1').slice(0, 300))}`;
  const headers = req.headers.map(([n, val]) => `${n}: ${String(val).slice(0, 80)}`).slice(0, 6);
  return `${req.method} ${req.target.slice(0, 200)} [${headers.join(' | ')}]${body}`;
}

describe('HTTP fuzz of every advertised endpoint', () => {
  let svc: TestService;
  let fuzz: FuzzContext;
  let oracle: OracleContext;
  const found = new Map<string, Found>();
  /** Answers by endpoint and status, e.g. `token 200`. */
  const statuses = new Map<string, number>();
  let sent = 0;

  beforeAll(async () => {
    const subject = { ...newSigner('fuzz-subject'), iss: 'https://fuzz-idp.example' };
    const idJag = { ...newSigner('fuzz-jag'), iss: 'https://fuzz-jag.example' };
    svc = await startTestService({
      // Hundreds of requests per endpoint from one address: the fuzz explores inputs, so the limits
      // (test/http/rate-limit*.test.ts) would only turn most of them into 429s.
      env: {
        MANDATE_RATE_LIMIT_TOKEN: 'off',
        MANDATE_RATE_LIMIT_REGISTER: 'off',
        MANDATE_RATE_LIMIT_AUTHORIZE: 'off',
        MANDATE_RATE_LIMIT_LOGIN: 'off',
      },
      clients: [
        { client_id: 'ai-client', client_secret: AI_CLIENT_SECRET, grant_types: [JWT_BEARER] },
        PUBLIC_CLIENT,
        CONFIDENTIAL_CLIENT,
      ],
      issuers: [
        { issuer: subject.iss, jwks: { keys: [subject.jwk] }, algorithms: ['ES256'] },
        { issuer: idJag.iss, jwks: { keys: [idJag.jwk] }, algorithms: ['ES256'], token_types: ['id_jag'] },
      ],
      resources: RESOURCES,
    });
    const client = newSigner('fuzz-client');
    const registered = await fetch(`${svc.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [client.jwk] },
      }),
    });
    expect(registered.status).toBe(201);
    const clientId = ((await registered.json()) as { client_id: string }).client_id;
    fuzz = {
      issuer: svc.issuer,
      tokenEndpoint: svc.tokenEndpoint,
      subject,
      idJag,
      client: { ...client, clientId },
      dpop: newSigner('fuzz-dpop'),
      secrets: {
        salesforce: SECRETS.salesforce,
        aiClient: AI_CLIENT_SECRET,
        confidential: CONFIDENTIAL_SECRET,
      },
    };
    const jwks = (await (await fetch(`${svc.issuer}/jwks`)).json()) as { keys: JWK[] };
    oracle = {
      issuer: svc.issuer,
      jwks: jwks.keys,
      redirectUris: [...PUBLIC_CLIENT.redirect_uris, 'http://127.0.0.1/cb'],
    };
  });
  afterAll(async () => {
    // MANDATE_FUZZ_REPORT=1: what was answered, by endpoint and status.
    if (process.env.MANDATE_FUZZ_REPORT === '1') console.info(Object.fromEntries([...statuses].sort()));
    await svc?.close();
  });

  async function run(name: string, arb: fc.Arbitrary<Plan>, seedOffset: number, shares = 1): Promise<void> {
    const deadline = Date.now() + (BUDGET_MS * shares) / SHARES;
    const plans = fc.sample(arb, { seed: SEED + seedOffset, numRuns: RUNS * shares });
    const port = Number(new URL(svc.issuer).port);
    let next = 0;
    const worker = async () => {
      // However loaded the machine, each group sends enough requests to mean something.
      while (next < plans.length && (next < MIN_RUNS * shares || Date.now() < deadline)) {
        const index = next++;
        const plan = plans[index]!;
        const req = buildRequest(plan, fuzz);
        let violations: Violation[];
        try {
          const res = await send(port, req);
          const key = `${plan.endpoint} ${res.status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          violations = await check(plan.endpoint, req, res, oracle);
        } catch (err) {
          violations = [{ kind: 'no-answer', detail: String(err) }];
        }
        sent++;
        for (const v of violations) {
          const key = `${name}: ${v.kind}`;
          const f = found.get(key) ?? { count: 0, examples: [] };
          f.count++;
          if (f.examples.length < 3)
            f.examples.push({ index, detail: v.detail, request: describeRequest(req) });
          found.set(key, f);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  it('the token endpoint, every grant type', async () => {
    await run('token', tokenPlan, 0, 2);
    expect(Object.fromEntries(found)).toEqual({});
    // The invariants were checked on real successes, not vacuously.
    expect(statuses.get('token 200') ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it.each<[string, fc.Arbitrary<Plan>, number]>([
    ['authorization, consent and login callback', authorizePlan, 1],
    ['registration (RFC 7591)', registerPlan, 2],
    ['introspection and revocation', fc.oneof(introspectPlan, revokePlan), 3],
    ['metadata, JWKS and paths that are no endpoint', discoveryPlan, 4],
    ['the development IdP', devIdpPlan, 5],
  ])(
    '%s',
    async (name, arb, offset) => {
      await run(name, arb, offset);
      expect(Object.fromEntries([...found].filter(([k]) => k.startsWith(`${name}:`)))).toEqual({});
    },
    120_000,
  );

  it('afterwards: nothing unhandled, the audit chain verifies, an honest exchange still works', async () => {
    expect(sent).toBeGreaterThan(0);
    expect(svc.logs.lines.filter((l) => l.level === 'error').slice(0, 5)).toEqual([]);

    const honest = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(honest.status, honest.text).toBe(200);

    const report = await verifyPostgres(svc.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.checked).toBeGreaterThan(0);
    // The relay's JSON lines hold the same chain, byte for byte.
    const file = join(svc.dataDir, 'audit.jsonl');
    const relayed = async () =>
      (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;
    expect(await eventually(async () => (await relayed()) >= report.checked, 30_000)).toBe(true);
    expect(verifyJsonLines(await readFile(file, 'utf8'))).toMatchObject({
      ok: true,
      checked: report.checked,
    });
  }, 60_000);
});
