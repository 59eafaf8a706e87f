import { describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import {
  API_ACTIVITY,
  AUTHORIZE_SESSION,
  OCSF_VERSION,
  SEVERITY,
  actorOf,
  base,
  mandateEndpoint,
  partiesOf,
} from '../../src/audit/ocsf-base.js';
import type { AuditEvent } from '../../src/audit/events.js';

const event = seal(
  tokenEvent(
    { kind: 'revoked', action: 'revocation', client_id: 'c', jti: 'j1' },
    'https://m.example',
    new Date('2026-01-02T03:04:05.678Z'),
  ),
  9,
  GENESIS_HASH,
);

describe('base', () => {
  it('sets class, activity, type_uid = class × 100 + activity, status, time and metadata', () => {
    expect(
      base(event, AUTHORIZE_SESSION, [1, 'Assign Privileges'], true, SEVERITY.informational, '1.2.3'),
    ).toEqual({
      class_uid: 3003,
      class_name: 'Authorize Session',
      category_uid: 3,
      category_name: 'Identity & Access Management',
      activity_id: 1,
      activity_name: 'Assign Privileges',
      type_uid: 300301,
      severity_id: 1,
      status_id: 1,
      status: 'Success',
      time: Date.parse('2026-01-02T03:04:05.678Z'),
      metadata: {
        version: OCSF_VERSION,
        uid: event.id,
        sequence: 9,
        log_name: 'dev.mandate.token.revoked',
        product: { name: 'Mandate', vendor_name: 'Mandate', version: '1.2.3' },
      },
    });
  });

  it('a failure, the profiles used, and the decision id as correlation_uid', () => {
    const withDecision = { ...event, data: { ...event.data, decision_id: 'd-7' } } as AuditEvent;
    const o = base(withDecision, API_ACTIVITY, [99, 'Other'], false, SEVERITY.medium, 'v', [
      'security_control',
    ]);
    expect(o).toMatchObject({ type_uid: 600399, status_id: 2, status: 'Failure', severity_id: 3 });
    expect(o.metadata).toMatchObject({ profiles: ['security_control'], correlation_uid: 'd-7' });
  });
});

describe('mandateEndpoint', () => {
  it('the host and port of the issuer URL, an IPv6 literal as ip, a non-URL as a name', () => {
    expect(mandateEndpoint('https://auth.example:8443/tenant')).toEqual({
      svc_name: 'Mandate',
      hostname: 'auth.example',
      port: 8443,
    });
    expect(mandateEndpoint('https://auth.example')).toEqual({
      svc_name: 'Mandate',
      hostname: 'auth.example',
    });
    expect(mandateEndpoint('http://[::1]:3000')).toEqual({ svc_name: 'Mandate', ip: '::1', port: 3000 });
    expect(mandateEndpoint('mandate-prod')).toEqual({ svc_name: 'Mandate', name: 'mandate-prod' });
  });
});

describe('parties and actor', () => {
  it("an event's own parties are used as they are", () => {
    const p = { user: { sub: 'alice' }, client: { id: 'c1' } };
    expect(partiesOf({ ...event, data: { ...event.data, ...p } } as AuditEvent)).toEqual(p);
  });

  it('the actor: the client as the application, the agent as invoked_by, the user when given', () => {
    const agent = { sub: 'claude', act_chain: ['claude'] };
    expect(actorOf({ client: { id: 'c1' }, agent }, { uid: 'alice' })).toEqual({
      user: { uid: 'alice' },
      app_name: 'c1',
      app_uid: 'c1',
      invoked_by: 'claude',
    });
    expect(actorOf({ agent })).toEqual({ invoked_by: 'claude' });
    expect(actorOf({})).toBeUndefined();
  });
});
