/**
 * Subject and actor token claims in shapes nobody checked (issue 10 §1), against a running Mandate
 * (real HTTP, real Postgres, the default policy): every refused shape with its exact wire body; the
 * scope ceiling from `scope`, `scp` (Entra ID's string, Okta's array) and a configured claim; no
 * scope claim at all as an empty ceiling unless the issuer leaves it to the policy; and `may_act`,
 * every member of which must match the actor (RFC 8693 §4.4).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIdp, type TestIdp } from '../../helpers/idp.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  nowSeconds,
  salesforceExchange,
  subjectClaims,
  type WireResult,
} from '../../helpers/exchange.js';

/** An issuer that leaves the ceiling to the policy and names its scopes `permissions` (Auth0 RBAC). */
let policyIdp: TestIdp;

async function exchange(
  svc: TestService,
  claims: Record<string, unknown>,
  params: Record<string, string | undefined> = {},
  idp: TestIdp = svc.idp,
): Promise<WireResult> {
  return salesforceExchange(svc, {
    subject_token: await idp.mint({ ...subjectClaims(svc), iss: idp.issuer, ...claims }, { typ: 'at+jwt' }),
    scope: 'crm.read crm.write',
    ...params,
  });
}

/** An actor token from the test IdP for the calling client (mcp-salesforce), issued to Mandate. */
async function actorToken(svc: TestService, claims: Record<string, unknown>): Promise<string> {
  const now = nowSeconds();
  return svc.idp.mint(
    {
      iss: svc.idp.issuer,
      aud: svc.issuer,
      client_id: 'mcp-salesforce',
      iat: now,
      exp: now + 300,
      ...claims,
    },
    { typ: 'at+jwt' },
  );
}

const refusal = (description: string) => ({
  status: 400,
  body: { error: 'invalid_grant', error_description: description },
});
const SCOPE_RULE = "subject_token claim 'scope' must be a space-separated string of at most 200 scope tokens";
const SCP_RULE =
  "subject_token claim 'scp' must be a space-separated string or an array of at most 200 scope tokens";
const STRING_RULE = (claim: string) => `subject_token claim '${claim}' must be a non-empty string`;
const DATE_RULE = (claim: string) => `subject_token claim '${claim}' must be a NumericDate`;
const NOT_ALLOWED = refusal('the subject_token does not allow this actor');

/** Shapes that refuse the subject token: claim overrides → exact description. */
const refusedShapes: [name: string, claims: Record<string, unknown>, description: string][] = [
  ['scope as an array', { scope: ['crm.read', 'crm.write'] }, SCOPE_RULE],
  ['scope as a number', { scope: 42 }, SCOPE_RULE],
  ['scope as an object', { scope: { 'crm.read': true } }, SCOPE_RULE],
  ['scope as a boolean', { scope: true }, SCOPE_RULE],
  ['scope null', { scope: null }, SCOPE_RULE],
  ['scope with U+0000', { scope: 'crm.read\u0000 crm.write' }, SCOPE_RULE],
  ['scope with a tab between scopes', { scope: 'crm.read\tcrm.write' }, SCOPE_RULE],
  ['scope with 201 scopes', { scope: Array.from({ length: 201 }, (_, i) => `s${i}`).join(' ') }, SCOPE_RULE],
  ['scp as a number', { scope: undefined, scp: 7 }, SCP_RULE],
  ['scp as an array holding a number', { scope: undefined, scp: ['crm.read', 1] }, SCP_RULE],
  [
    'scp as an array holding two scopes in one string',
    { scope: undefined, scp: ['crm.read crm.write'] },
    SCP_RULE,
  ],
  ['scp as an object', { scope: undefined, scp: { 0: 'crm.read' } }, SCP_RULE],
  [
    'groups as a string',
    { groups: 'sales' },
    "subject_token claim 'groups' must be an array of at most 1000 strings",
  ],
  [
    'groups holding a number',
    { groups: ['sales', 3] },
    "subject_token claim 'groups' must be an array of at most 1000 strings",
  ],
  ['sub empty', { sub: '' }, STRING_RULE('sub')],
  ['sub with U+0000', { sub: 'alice\u0000' }, STRING_RULE('sub')],
  ['sub with a lone surrogate', { sub: 'alice\uD800' }, STRING_RULE('sub')],
  ['sub overlong', { sub: 'a'.repeat(2049) }, STRING_RULE('sub')],
  ['sub as a number', { sub: 12345 }, STRING_RULE('sub')],
  ['aud as a number', { aud: 5 }, "subject_token claim 'aud' must be a string or an array of strings"],
  ['aud as an empty array', { aud: [] }, "subject_token claim 'aud' must be a string or an array of strings"],
  ['jti as a number', { jti: 5 }, STRING_RULE('jti')],
  ['jti empty', { jti: '' }, STRING_RULE('jti')],
  ['jti null', { jti: null }, STRING_RULE('jti')],
  ['jti with U+0000', { jti: 'j\u0000' }, STRING_RULE('jti')],
  ['exp no timestamp column holds', { exp: 1e300 }, DATE_RULE('exp')],
  [
    'exp twenty years ahead',
    { exp: nowSeconds() + 20 * 366 * 86400 },
    "subject_token claim 'exp' must be a time within ten years",
  ],
  ['iat negative', { iat: -1 }, DATE_RULE('iat')],
  ['auth_time as a string', { auth_time: 'yesterday' }, DATE_RULE('auth_time')],
  ['client_id as a number', { client_id: 7 }, STRING_RULE('client_id')],
  ['azp as an array', { azp: ['claude-desktop'] }, STRING_RULE('azp')],
  ['acr as a number', { acr: 2 }, STRING_RULE('acr')],
  [
    'act as a string',
    { act: 'agent-x' },
    "subject_token claim 'act' must be an object naming its actor in sub",
  ],
  [
    'act naming no sub',
    { act: { client_id: 'x' } },
    "subject_token claim 'act' must be an object naming its actor in sub",
  ],
  ['cnf as a string', { cnf: 'jkt' }, "subject_token claim 'cnf' must be an object whose jkt is a string"],
  [
    'may_act with a number member',
    { may_act: { sub: 5 } },
    "subject_token claim 'may_act' must be an object of at most 16 string claims",
  ],
];

describe('subject and actor token claims (typed at the boundary, exact wire bodies)', () => {
  let svc: TestService;
  beforeAll(async () => {
    policyIdp = await createTestIdp('https://idp.policy-ceiling.example');
    svc = await startTestService({
      issuers: [
        {
          issuer: policyIdp.issuer,
          jwks: policyIdp.jwks,
          algorithms: ['ES256'],
          scopes_claim: 'permissions',
          scopes_when_absent: 'policy',
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  it.each(refusedShapes)('refused shape: %s', async (_name, claims, description) => {
    const res = await exchange(svc, claims);
    expect({ status: res.status, body: res.body }, res.text).toEqual(refusal(description));
  });

  it('an actor token in a shape nobody checked is refused, naming the actor_token', async () => {
    const res = await exchange(
      svc,
      {},
      { actor_token: await actorToken(svc, { sub: 42 }), actor_token_type: ACCESS_TOKEN },
    );
    expect({ status: res.status, body: res.body }).toEqual(
      refusal("actor_token claim 'sub' must be a non-empty string"),
    );
  });

  describe('the scope ceiling', () => {
    const granted = async (res: WireResult): Promise<unknown> => {
      expect(res.status, res.text).toBe(200);
      return decodeJwt(String(res.body.access_token)).scope;
    };

    it("Entra ID's scp: 'crm.read' (a space-separated string) caps the scopes", async () => {
      const res = await exchange(svc, { scope: undefined, scp: 'crm.read' });
      expect(await granted(res)).toBe('crm.read');
      expect(res.body.scope).toBe('crm.read');
    });

    it("Okta's scp: ['crm.read'] (an array) caps the scopes", async () => {
      expect(await granted(await exchange(svc, { scope: undefined, scp: ['crm.read'] }))).toBe('crm.read');
    });

    it('scope and scp both present: only what both hold', async () => {
      const res = await exchange(svc, { scope: 'crm.read crm.write', scp: ['crm.write'] });
      expect(await granted(res)).toBe('crm.write');
    });

    it('no scope claim at all: an empty ceiling (invalid_scope), with or without a requested scope', async () => {
      const requested = await exchange(svc, { scope: undefined });
      expect({ status: requested.status, body: requested.body }).toEqual({
        status: 400,
        body: {
          error: 'invalid_scope',
          error_description:
            'scope crm.read: not in the subject token; scope crm.write: not in the subject token; no requested scope is both allowed and held by the subject',
        },
      });
      const unrequested = await exchange(svc, { scope: undefined }, { scope: undefined });
      expect({ status: unrequested.status, body: unrequested.body }).toEqual({
        status: 400,
        body: {
          error: 'invalid_scope',
          error_description: 'scope is required when the subject_token carries none',
        },
      });
    });

    it('an empty scope string holds no scopes', async () => {
      const res = await exchange(svc, { scope: '' }, { scope: 'crm.read' });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toBe('invalid_scope');
    });

    it('an issuer configured with scopes_when_absent: policy leaves a claimless token to the policy', async () => {
      const res = await exchange(svc, { scope: undefined }, {}, policyIdp);
      expect(await granted(res)).toBe('crm.read crm.write');
    });

    it("that issuer's configured scopes_claim (permissions) caps the scopes, and is typed like scp", async () => {
      expect(
        await granted(await exchange(svc, { scope: undefined, permissions: ['crm.read'] }, {}, policyIdp)),
      ).toBe('crm.read');
      // A scope claim present still caps, whatever scopes_when_absent says.
      expect(await granted(await exchange(svc, { scope: 'crm.write' }, {}, policyIdp))).toBe('crm.write');
      const bad = await exchange(svc, { scope: undefined, permissions: 5 }, {}, policyIdp);
      expect({ status: bad.status, body: bad.body }).toEqual(
        refusal(
          "subject_token claim 'permissions' must be a space-separated string or an array of at most 200 scope tokens",
        ),
      );
      // Another issuer's tokens do not read `permissions`: there it is an attribute, not a ceiling.
      const elsewhere = await exchange(svc, { scope: undefined, permissions: ['crm.read'] });
      expect(elsewhere.status, elsewhere.text).toBe(400);
      expect(elsewhere.body.error).toBe('invalid_scope');
    });
  });

  describe('may_act: every member must match the actor (RFC 8693 §4.4)', () => {
    const withActor = async (mayAct: unknown, actor: Record<string, unknown> | undefined) =>
      exchange(
        svc,
        { may_act: mayAct },
        actor === undefined
          ? { scope: 'crm.read' }
          : { scope: 'crm.read', actor_token: await actorToken(svc, actor), actor_token_type: ACCESS_TOKEN },
      );

    it('sub names agent-x, client_id the caller: an actor token for agent-y from the caller is refused', async () => {
      const res = await withActor({ sub: 'agent-x', client_id: 'mcp-salesforce' }, { sub: 'agent-y' });
      expect({ status: res.status, body: res.body }).toEqual(NOT_ALLOWED);
    });

    it('the same may_act with the actor it names is accepted, and act says so', async () => {
      const res = await withActor({ sub: 'agent-x', client_id: 'mcp-salesforce' }, { sub: 'agent-x' });
      expect(res.status, res.text).toBe(200);
      expect(decodeJwt(String(res.body.access_token)).act).toEqual({
        sub: 'agent-x',
        client_id: 'mcp-salesforce',
        act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
      });
    });

    it('client_id naming another client refuses even the sub it names', async () => {
      const res = await withActor({ sub: 'agent-x', client_id: 'mcp-workday' }, { sub: 'agent-x' });
      expect({ status: res.status, body: res.body }).toEqual(NOT_ALLOWED);
    });

    it('iss must be the actor token issuer', async () => {
      const ok = await withActor({ sub: 'agent-x', iss: svc.idp.issuer }, { sub: 'agent-x' });
      expect(ok.status, ok.text).toBe(200);
      const other = await withActor({ sub: 'agent-x', iss: 'https://other.example' }, { sub: 'agent-x' });
      expect({ status: other.status, body: other.body }).toEqual(NOT_ALLOWED);
    });

    it('without an actor token the caller is the actor: sub and client_id must both name it', async () => {
      const ok = await withActor({ sub: 'mcp-salesforce', client_id: 'mcp-salesforce' }, undefined);
      expect(ok.status, ok.text).toBe(200);
      const res = await withActor({ sub: 'agent-x', client_id: 'mcp-salesforce' }, undefined);
      expect({ status: res.status, body: res.body }).toEqual(NOT_ALLOWED);
    });

    it('a member Mandate cannot check (email), or no member at all, allows no actor', async () => {
      for (const mayAct of [{ client_id: 'mcp-salesforce', email: 'agent@example.com' }, {}]) {
        const res = await withActor(mayAct, undefined);
        expect({ may_act: mayAct, status: res.status, body: res.body }).toEqual({
          may_act: mayAct,
          ...NOT_ALLOWED,
        });
      }
    });
  });
});
