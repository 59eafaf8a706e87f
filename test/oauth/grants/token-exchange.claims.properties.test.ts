/**
 * The scope ceiling and `may_act` as fast-check properties against the running service (real HTTP,
 * real Postgres, the real default policy; issue 10 §1): subject tokens with random claim shapes
 * (`scope` and `scp` in every JSON type, `may_act` variants, actor tokens for various actors) are
 * exchanged, and an independent model of the claim rules (README "Scope ceiling") says what each
 * token holds. Whatever the policy decides:
 * - no 200 carries a scope outside requested ∩ the ceiling;
 * - no 200 carries an `act` that `may_act` did not allow, or one naming another actor;
 * - a malformed scope claim or a may_act that allows no one is never a 200; nothing is a 5xx.
 * A fixed seed keeps runs repeatable; `FC_SEED=<n>` explores others, `FC_RUNS=<n>` runs more.
 */
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCleanText } from '../../../src/text.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { ACCESS_TOKEN, nowSeconds, salesforceExchange, subjectClaims } from '../../helpers/exchange.js';

const SCOPES = ['crm.read', 'crm.write', 'hr.profile.read', 'junk.scope'];
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;
const CLIENT = 'mcp-salesforce';

/** What a scope claim may hold: well-formed strings and arrays, and every other JSON value. */
const scopeClaim = fc.oneof(
  { weight: 8, arbitrary: fc.subarray(SCOPES).map((s) => s.join(' ')) },
  { weight: 3, arbitrary: fc.subarray(SCOPES) },
  { weight: 1, arbitrary: fc.constantFrom('crm.read\u0000', 'crm.read\tcrm.write', 'crm"read', '') },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...SCOPES), fc.jsonValue()), { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const actorSub = fc.constantFrom(CLIENT, 'agent-x', 'agent-y');
const mayActClaim = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        sub: actorSub,
        client_id: fc.constantFrom(CLIENT, 'mcp-workday'),
        iss: fc.constantFrom('IDP', 'https://other.example'),
        email: fc.constant('agent@example.com'),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** `undefined` `absentWeight` times as often as a value of `arb`. */
function sometimes<T>(arb: fc.Arbitrary<T>, absentWeight: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: absentWeight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

type Json = ReturnType<typeof JSON.parse>;

/** The model of a scope claim's values (README "Scope ceiling"): undefined when malformed. */
function modelValues(value: Json, arrayAllowed: boolean): string[] | undefined {
  const values = typeof value === 'string' ? value.split(' ').filter((s) => s !== '') : value;
  if (!Array.isArray(values) || (!arrayAllowed && typeof value !== 'string')) return undefined;
  return values.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s)) ? (values as string[]) : undefined;
}

/** The ceiling the token holds, or 'malformed' when a present scope claim has another shape. */
function modelCeiling(scope: Json | undefined, scp: Json | undefined): string[] | 'malformed' {
  let ceiling: string[] | undefined;
  for (const [value, arrays] of [
    [scope, false],
    [scp, true],
  ] as const) {
    if (value === undefined) continue;
    const v = modelValues(value, arrays);
    if (v === undefined) return 'malformed';
    ceiling = ceiling === undefined ? v : ceiling.filter((s) => v.includes(s));
  }
  return ceiling ?? [];
}

describe('scope ceiling and may_act (fast-check against the running service)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('no 200 carries a scope outside requested ∩ ceiling, or an act that may_act did not allow', async () => {
    const outcomes = { issued: 0, refused: 0, malformed: 0, mayActRefused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          scope: fc.option(scopeClaim, { nil: undefined, freq: 4 }),
          scp: sometimes(scopeClaim, 2),
          mayAct: sometimes(mayActClaim, 2),
          actor: fc.option(actorSub, { nil: undefined }),
          requested: fc.option(fc.subarray(SCOPES, { minLength: 1 }), { nil: undefined }),
        }),
        async ({ scope, scp, mayAct, actor, requested }) => {
          const now = nowSeconds();
          const idp = svc.idp.issuer;
          const may =
            typeof mayAct === 'object' && mayAct !== null && !Array.isArray(mayAct) && mayAct.iss === 'IDP'
              ? { ...mayAct, iss: idp }
              : mayAct;
          const claims = subjectClaims(svc, { scope, scp, may_act: may, groups: ['sales'] });
          const actorToken =
            actor === undefined
              ? undefined
              : await svc.idp.mint(
                  { iss: idp, sub: actor, aud: svc.issuer, client_id: CLIENT, iat: now, exp: now + 300 },
                  { typ: 'at+jwt' },
                );
          const res = await salesforceExchange(svc, {
            subject_token: await svc.idp.mint(claims, { typ: 'at+jwt' }),
            scope: requested?.join(' '),
            ...(actorToken === undefined ? {} : { actor_token: actorToken, actor_token_type: ACCESS_TOKEN }),
          });

          // Never a 5xx; every refusal is OAuth JSON.
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status !== 200) {
            expect(typeof res.body.error, res.text).toBe('string');
            outcomes.refused++;
          }

          const ceiling = modelCeiling(scope, scp);
          if (ceiling === 'malformed') {
            expect(res.status, res.text).toBe(400);
            expect(res.body.error).toBe('invalid_grant');
            outcomes.malformed++;
            return;
          }
          // The actor as may_act members name it (README "Scope ceiling", may_act).
          const actorIs: Record<string, string> = {
            sub: actor ?? CLIENT,
            client_id: CLIENT,
            iss: actor === undefined ? svc.issuer : idp,
          };
          const mayActAllows =
            may === undefined ||
            (typeof may === 'object' &&
              may !== null &&
              !Array.isArray(may) &&
              Object.keys(may).length > 0 &&
              Object.entries(may).every(([k, v]) => Object.hasOwn(actorIs, k) && actorIs[k] === v));
          const mayActMalformed =
            typeof may === 'object' &&
            may !== null &&
            !Array.isArray(may) &&
            (Object.keys(may).length > 16 ||
              Object.values(may).some(
                (v) => typeof v !== 'string' || v === '' || v.length > 2048 || !isCleanText(v),
              ));
          if (mayActMalformed) {
            expect(res.status, res.text).toBe(400);
            expect(res.body.error).toBe('invalid_grant');
            outcomes.malformed++;
            return;
          }
          if (!mayActAllows) {
            expect({ status: res.status, body: res.body }).toEqual({
              status: 400,
              body: {
                error: 'invalid_grant',
                error_description: 'the subject_token does not allow this actor',
              },
            });
            outcomes.mayActRefused++;
            return;
          }
          if (res.status !== 200) return;

          outcomes.issued++;
          const payload = decodeJwt(String(res.body.access_token));
          const granted = String(payload.scope)
            .split(' ')
            .filter((s) => s !== '');
          const asked = requested ?? ceiling;
          for (const s of granted) {
            expect(asked, `granted ${s} was not requested`).toContain(s);
            expect(ceiling, `granted ${s} is not in the subject token's ceiling`).toContain(s);
          }
          expect((payload.act as { sub?: unknown }).sub).toBe(actor ?? CLIENT);
          expect((payload.act as { client_id?: unknown }).client_id).toBe(CLIENT);
        },
      ),
      {
        numRuns: Number(process.env.FC_RUNS ?? 150),
        seed: Number(process.env.FC_SEED ?? 20261202),
      },
    );
    // The generator must reach every outcome, or the property proves little.
    expect(outcomes.issued, JSON.stringify(outcomes)).toBeGreaterThan(10);
    expect(outcomes.malformed).toBeGreaterThan(10);
    expect(outcomes.mayActRefused).toBeGreaterThan(5);
  }, 300_000);
});
