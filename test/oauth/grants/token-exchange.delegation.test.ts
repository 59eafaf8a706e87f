/**
 * Delegation (RFC 8693 §4.1, §4.4): the issued token's `act` names the caller and nests earlier
 * actors; an actor token names the acting workload; `may_act` restricts who may act; the decision
 * input and the token event in the audit outbox show the chain. Real service, real policy: a copy of
 * the default policy with one more downstream service (reporting) that a Salesforce-side gateway
 * may obtain tokens for.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/audit/events.js';
import { toOcsf } from '../../../src/audit/ocsf.js';
import { API, basic, form, startTestService, type TestService } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  buildPolicyVariant,
  nowSeconds,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
} from '../../helpers/exchange.js';

const GATEWAY = 'sf-gateway';
const GATEWAY_SECRET = 'test-sf-gateway-secret-0123456789abcdefgh';
const REPORTING = 'https://api.reporting.example';
const WORKLOAD = 'spiffe://example.org/ns/mcp/sa/mcp-salesforce';

/** The parts of an outbox CloudEvent this test reads (src/audit/events.ts). */
interface OutboxEvent {
  type: string;
  data: {
    decision_id?: string;
    jti?: string;
    act?: unknown;
    input?: { client?: { client_id?: string }; actor?: unknown };
  };
}

describe('delegation: nested act, actor tokens, may_act, audit', () => {
  let svc: TestService;
  beforeAll(async () => {
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-delegation-')), 'bundle.tar.gz'),
      (data) => {
        data.services.reporting = {
          resource: REPORTING,
          audiences: [REPORTING, 'reporting'],
          scopes: ['crm.read'],
          max_ttl_seconds: 120,
          require_dpop: false,
          step_up: {},
        };
        // No crm.read for group "*": the second hop is granted only because the exchanged token
        // carries the subject's groups (sales) on to the next decision.
        data.actors[GATEWAY] = { services: ['reporting'] };
      },
      'delegation-test',
    );
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      clients: [
        {
          client_id: GATEWAY,
          token_endpoint_auth_method: 'client_secret_basic',
          client_secret: GATEWAY_SECRET,
          // The gateway answers to the Salesforce API: tokens issued for it were issued to the gateway.
          audiences: [API.salesforce],
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  async function verified(token: unknown) {
    const keys = createLocalJWKSet((await (await fetch(`${svc.issuer}/jwks`)).json()) as JSONWebKeySet);
    return (await jwtVerify(String(token), keys, { issuer: svc.issuer, typ: 'at+jwt' })).payload;
  }

  it('a token exchanged by mcp-salesforce and exchanged again by the gateway carries nested act', async () => {
    const first = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { sub: 'alice' }), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(first.status, first.text).toBe(200);
    const t1 = await verified(first.body.access_token);
    expect(t1.act).toEqual({
      sub: 'mcp-salesforce',
      client_id: 'mcp-salesforce',
      act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
    });

    const second = await post(
      svc.tokenEndpoint,
      form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: String(first.body.access_token),
        subject_token_type: ACCESS_TOKEN,
        resource: REPORTING,
        scope: 'crm.read',
      }),
      { authorization: basic(GATEWAY, GATEWAY_SECRET) },
    );
    expect(second.status, second.text).toBe(200);
    const t2 = await verified(second.body.access_token);
    expect(t2).toMatchObject({ sub: 'alice', aud: REPORTING, client_id: GATEWAY, scope: 'crm.read' });
    expect(t2.act).toEqual({
      sub: GATEWAY,
      client_id: GATEWAY,
      act: {
        sub: 'mcp-salesforce',
        client_id: 'mcp-salesforce',
        act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
      },
    });
    // Never beyond the token it was exchanged from, nor the reporting service's 120 s.
    expect(t2.exp!).toBeLessThanOrEqual(t1.exp!);
    expect(t2.exp! - t2.iat!).toBeLessThanOrEqual(120);

    // The audit outbox shows the chain in the decision input and in the issued-token event.
    const { rows } = await svc.db.db.query<{ event: OutboxEvent }>(
      'SELECT event FROM outbox ORDER BY sequence',
    );
    const decision = rows
      .map((r) => r.event)
      .find((e) => e.type === 'dev.mandate.decision' && e.data.input?.client?.client_id === GATEWAY);
    expect(decision?.data.input?.actor).toEqual({
      sub: GATEWAY,
      client_id: GATEWAY,
      act: {
        sub: 'mcp-salesforce',
        client_id: 'mcp-salesforce',
        act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
      },
    });
    const issued = rows
      .map((r) => r.event)
      .find((e) => e.type === 'dev.mandate.token.issued' && e.data.jti === t2.jti);
    expect(issued?.data.act).toEqual(t2.act);
    expect(issued?.data.decision_id).toBe(decision?.data.decision_id);
    // Three-party attribution (issue 17 §3): user, agent with the whole chain, and client, apart,
    // in the same members of both events, and in their OCSF renderings.
    const parties = {
      user: { sub: 'alice' },
      agent: { sub: GATEWAY, client_id: GATEWAY, act_chain: [GATEWAY, 'mcp-salesforce', 'claude-desktop'] },
      client: { id: GATEWAY },
    };
    for (const e of [decision!, issued!]) {
      expect(e.data).toMatchObject(parties);
      expect(toOcsf(e as unknown as AuditEvent)).toMatchObject({
        user: { uid: 'alice' },
        actor: { app_uid: GATEWAY, invoked_by: GATEWAY },
        unmapped: { agent: parties.agent },
      });
    }
    // No raw token in any event.
    expect(JSON.stringify(rows)).not.toContain(String(first.body.access_token));
  });

  it('an actor token names the acting workload; may_act must name it', async () => {
    const now = nowSeconds();
    // A workload identity token for the caller, issued to be presented to Mandate (aud).
    const actorToken = await svc.idp.mint(
      {
        iss: svc.idp.issuer,
        sub: WORKLOAD,
        aud: svc.issuer,
        client_id: 'mcp-salesforce',
        iat: now,
        exp: now + 300,
      },
      { typ: 'at+jwt' },
    );
    const allowed = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { may_act: { sub: WORKLOAD } }), {
        typ: 'at+jwt',
      }),
      actor_token: actorToken,
      actor_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect(allowed.status, allowed.text).toBe(200);
    expect(decodeJwt(String(allowed.body.access_token)).act).toEqual({
      sub: WORKLOAD,
      client_id: 'mcp-salesforce',
      act: { sub: 'claude-desktop', client_id: 'claude-desktop' },
    });

    // The same subject token without the actor token: the caller is not the workload may_act names,
    // so this must not silently become an impersonation by the client.
    const withoutActor = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { may_act: { sub: WORKLOAD } }), {
        typ: 'at+jwt',
      }),
      scope: 'crm.read',
    });
    expect({ status: withoutActor.status, body: withoutActor.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'the subject_token does not allow this actor' },
    });

    // A token the caller merely holds (issued to it for another audience) cannot name its subject
    // as the actor, even one the subject token's may_act names.
    const heldUserToken = await svc.idp.mint(
      {
        iss: svc.idp.issuer,
        sub: 'bob',
        aud: API.salesforce,
        client_id: 'mcp-salesforce',
        iat: now,
        exp: now + 300,
      },
      { typ: 'at+jwt' },
    );
    const borrowed = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { may_act: { sub: 'bob' } }), { typ: 'at+jwt' }),
      actor_token: heldUserToken,
      actor_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect({ status: borrowed.status, body: borrowed.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'actor_token must be issued for this authorization server (aud)',
      },
    });

    // An actor token for someone other than the caller.
    const foreignActor = await svc.idp.mint(
      { iss: svc.idp.issuer, sub: 'mcp-workday', client_id: 'mcp-workday', iat: now, exp: now + 300 },
      { typ: 'at+jwt' },
    );
    const mismatch = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      actor_token: foreignActor,
      actor_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect({ status: mismatch.status, body: mismatch.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'actor_token does not identify the calling client' },
    });

    // An expired actor token is refused like a subject token, naming the parameter.
    const staleActor = await svc.idp.mint(
      { iss: svc.idp.issuer, sub: WORKLOAD, client_id: 'mcp-salesforce', iat: now - 900, exp: now - 300 },
      { typ: 'at+jwt' },
    );
    const stale = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      actor_token: staleActor,
      actor_token_type: ACCESS_TOKEN,
      scope: 'crm.read',
    });
    expect({ status: stale.status, body: stale.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'actor_token has expired' },
    });
  });

  it('a may_act that is not an object (RFC 8693 §4.4) allows no actor: invalid_grant, never a 500', async () => {
    for (const mayAct of [null, 'mcp-salesforce', ['mcp-salesforce']]) {
      const res = await salesforceExchange(svc, {
        subject_token: await svc.idp.mint(subjectClaims(svc, { may_act: mayAct }), { typ: 'at+jwt' }),
        scope: 'crm.read',
      });
      expect({ may_act: mayAct, status: res.status, body: res.body }).toEqual({
        may_act: mayAct,
        status: 400,
        body: { error: 'invalid_grant', error_description: 'the subject_token does not allow this actor' },
      });
    }
  });
});
