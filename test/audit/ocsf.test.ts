import { describe, expect, it } from 'vitest';
import { toOcsf } from '../../src/audit/ocsf.js';
import { buildEvents } from '../../src/audit/outbox.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { tokenEvent } from '../../src/audit/build-events.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { exchangeEntry } from './fixtures.js';

const SOURCE = 'https://mandate.example';
const sealAll = (events: ReturnType<typeof buildEvents>): AuditEvent[] =>
  events.map((e, i) => seal(e, i + 1, GENESIS_HASH));

describe('OCSF rendering', () => {
  it('maps an allowed token exchange to Authorize Session (3003) and the issuance to Authentication (3002)', () => {
    const entry = exchangeEntry();
    const [decision, issued] = sealAll(buildEvents(entry, SOURCE, new Date('2026-01-15T10:00:00Z')));
    expect(toOcsf(decision!)).toMatchObject({
      class_uid: 3003,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300301,
      severity_id: 1,
      status_id: 1,
      status: 'Success',
      time: Date.parse('2026-01-15T10:00:00Z'),
      user: { uid: 'alice', groups: [{ name: 'sales' }] },
      actor: { app_name: 'mcp-salesforce' },
      privileges: ['crm.read'],
      dst_endpoint: { svc_name: 'https://api.salesforce.example' },
      metadata: {
        version: '1.3.0',
        uid: decision!.id,
        correlation_uid: entry.decisionId,
        product: { name: 'Mandate' },
      },
    });
    expect(toOcsf(issued!)).toMatchObject({
      class_uid: 3002,
      activity_id: 4,
      type_uid: 300204,
      status_id: 1,
      auth_protocol_id: 6,
      auth_protocol: 'OAUTH 2.0',
      user: { uid: 'alice' },
      actor: { app_uid: 'mcp-salesforce' },
      service: { name: 'https://api.salesforce.example' },
      dst_endpoint: { hostname: 'mandate.example', svc_name: 'Mandate' },
      unmapped: { jti: entry.jti },
    });
  });

  it('maps a denial to failures with the reason', () => {
    const [decision, refused] = sealAll(buildEvents(exchangeEntry({ allow: false }), SOURCE));
    expect(toOcsf(decision!)).toMatchObject({
      class_uid: 3003,
      status_id: 2,
      status: 'Failure',
      severity_id: 2,
      status_detail: 'scope_not_allowed',
    });
    expect(toOcsf(refused!)).toMatchObject({
      class_uid: 3002,
      activity_id: 4,
      status_id: 2,
      status_detail: 'scope_not_allowed',
      status_code: 'invalid_scope',
      // OCSF 3002 requires `service` or `dst_endpoint`; a refusal has no audience to name.
      dst_endpoint: { hostname: 'mandate.example', svc_name: 'Mandate' },
    });
  });

  it('maps a tool-call decision to API Activity (6003)', () => {
    const entry = exchangeEntry({ action: 'tool_call' });
    entry.decision!.input.context.tool = 'salesforce.query';
    const [decision] = sealAll(buildEvents(entry, SOURCE));
    expect(toOcsf(decision!)).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 99,
      type_uid: 600399,
      api: { operation: 'salesforce.query', service: { name: 'https://api.salesforce.example' } },
      actor: { user: { uid: 'alice' }, app_name: 'mcp-salesforce' },
      src_endpoint: { ip: '10.0.0.7' },
    });
  });

  it.each([
    ['refreshed', 5, 1, 1],
    ['revoked', 99, 1, 1],
    ['reused', 99, 2, 4],
  ] as const)('maps token.%s to Authentication activity %i', (kind, activity, status, severity) => {
    const e = seal(
      tokenEvent(
        { kind, action: 'refresh_token', client_id: 'claude-desktop', sub: 'bob', jti: 'j1' },
        SOURCE,
      ),
      1,
      GENESIS_HASH,
    );
    expect(toOcsf(e)).toMatchObject({
      class_uid: 3002,
      activity_id: activity,
      status_id: status,
      severity_id: severity,
      user: { uid: 'bob' },
    });
  });

  // A failed client authentication has no identity: never `user.uid` "unauthenticated" (issue 17 §3).
  it.each([
    ['named a client', { claimed_client_id: 'mcp-salesforce' }, 'mcp-salesforce'],
    ['named none', {}, 'anonymous'],
  ] as const)(
    'maps a refusal before client authentication that %s to a user of type Unknown',
    (_, claim, name) => {
      const e = seal(
        tokenEvent(
          {
            kind: 'refused',
            action: 'client_credentials',
            error: 'invalid_client',
            reason: 'bad_secret',
            ...claim,
          },
          'https://mandate.example:8443',
        ),
        1,
        GENESIS_HASH,
      );
      const o = toOcsf(e);
      expect(o.user).toEqual({ name, type_id: 0, type: 'Unknown' });
      expect(o).not.toHaveProperty('actor');
      expect(o.dst_endpoint).toEqual({ svc_name: 'Mandate', hostname: 'mandate.example', port: 8443 });
      expect(e).not.toHaveProperty('subject');
    },
  );

  it('maps a client_credentials issuance (no user) to the client as the authenticated subject', () => {
    const e = seal(
      tokenEvent(
        { kind: 'issued', action: 'client_credentials', client_id: 'reporting-job', jti: 'j2' },
        SOURCE,
      ),
      1,
      GENESIS_HASH,
    );
    expect(toOcsf(e)).toMatchObject({
      user: { uid: 'reporting-job', type: 'OAuth Client' },
      actor: { app_uid: 'reporting-job' },
    });
  });

  // Issue 17 §3: user, agent and client are three fields in every class, never one for another.
  describe('three-party attribution', () => {
    const parties = (action: 'token_exchange' | 'tool_call') => {
      const entry = exchangeEntry({ action, sub: 'alice' });
      entry.decision!.input.client.client_id = 'claude-desktop';
      entry.decision!.input.actor = { sub: 'research-agent', act: { sub: 'planner-agent' } };
      entry.tokens[0] = {
        ...entry.tokens[0]!,
        client_id: 'claude-desktop',
        act: entry.decision!.input.actor,
      };
      return sealAll(buildEvents(entry, SOURCE)).map((e) => toOcsf(e));
    };
    const agent = { sub: 'research-agent', act_chain: ['research-agent', 'planner-agent'] };

    it('Authorize Session and Authentication: user, actor.invoked_by (agent), actor.app_uid (client)', () => {
      const [decision, issued] = parties('token_exchange');
      for (const o of [decision!, issued!])
        expect(o).toMatchObject({
          user: { uid: 'alice' },
          actor: { app_uid: 'claude-desktop', app_name: 'claude-desktop', invoked_by: 'research-agent' },
          unmapped: { agent },
        });
    });

    it('API Activity (no user of its own): actor.user, actor.invoked_by, actor.app_uid', () => {
      const [decision] = parties('tool_call');
      expect(decision).toMatchObject({
        actor: { user: { uid: 'alice' }, app_uid: 'claude-desktop', invoked_by: 'research-agent' },
        unmapped: { agent },
      });
      expect(decision).not.toHaveProperty('user');
    });
  });

  it('refuses to render an event type it has no mapping for, rather than render it as a token event', () => {
    const [, issued] = sealAll(buildEvents(exchangeEntry(), SOURCE));
    const e = { ...issued!, type: 'dev.mandate.approval.granted' } as unknown as AuditEvent;
    expect(() => toOcsf(e)).toThrow('no OCSF mapping for audit event type dev.mandate.approval.granted');
  });
});
