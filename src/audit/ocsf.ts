/**
 * OCSF rendering of audit events for SIEMs that ingest the Open Cybersecurity Schema Framework
 * (https://schema.ocsf.io, v1.3.0):
 * - token events → Authentication (3002): issued/refused = Service Ticket Request (4), refreshed =
 *   Service Ticket Renew (6), revoked and reuse-detected = Other (99);
 * - decisions on tool calls → API Activity (6003), activity Other (99): a call to an MCP tool;
 * - every other decision (token exchange, authorize, jwt-bearer, refresh, ID-JAG) → Authorize
 *   Session (3003), Assign Privileges (1): the privileges are the scopes granted.
 * Fields OCSF has no place for stay in `unmapped`, so nothing in the event is lost.
 */
import type { AuditEvent, DecisionEvent, TokenEvent } from './events.js';
import { DECISION_EVENT_TYPE } from './events.js';

export const OCSF_VERSION = '1.3.0';

const SEVERITY = { informational: 1, low: 2, medium: 3, high: 4 } as const;
const STATUS = { success: 1, failure: 2 } as const;

export type OcsfEvent = Record<string, unknown> & {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  severity_id: number;
  status_id: number;
  time: number;
};

function metadata(e: AuditEvent, version: string): Record<string, unknown> {
  return {
    version: OCSF_VERSION,
    uid: e.id,
    correlation_uid: (e.data as { decision_id?: string }).decision_id,
    sequence: Number(e.sequence),
    log_name: e.type,
    product: { name: 'Mandate', vendor_name: 'Mandate', version },
  };
}

function base(
  e: AuditEvent,
  cls: { class_uid: number; class_name: string; category_uid: number; category_name: string },
  activity: [number, string],
  success: boolean,
  severity: number,
  version: string,
): OcsfEvent {
  return {
    ...cls,
    activity_id: activity[0],
    activity_name: activity[1],
    type_uid: cls.class_uid * 100 + activity[0],
    severity_id: severity,
    status_id: success ? STATUS.success : STATUS.failure,
    status: success ? 'Success' : 'Failure',
    time: Date.parse(e.time),
    metadata: metadata(e, version),
  };
}

const AUTHENTICATION = {
  class_uid: 3002,
  class_name: 'Authentication',
  category_uid: 3,
  category_name: 'Identity & Access Management',
};
const AUTHORIZE_SESSION = {
  class_uid: 3003,
  class_name: 'Authorize Session',
  category_uid: 3,
  category_name: 'Identity & Access Management',
};
const API_ACTIVITY = {
  class_uid: 6003,
  class_name: 'API Activity',
  category_uid: 6,
  category_name: 'Application Activity',
};

const tokenActivity: Record<TokenEvent['data']['kind'], [number, string]> = {
  issued: [4, 'Service Ticket Request'],
  refused: [4, 'Service Ticket Request'],
  refreshed: [6, 'Service Ticket Renew'],
  revoked: [99, 'Token Revoked'],
  reused: [99, 'Refresh Token Reuse Detected'],
};

function fromToken(e: TokenEvent, version: string): OcsfEvent {
  const d = e.data;
  const success = d.kind !== 'refused' && d.kind !== 'reused';
  const severity =
    d.kind === 'reused' ? SEVERITY.high : d.kind === 'refused' ? SEVERITY.low : SEVERITY.informational;
  const aud = Array.isArray(d.aud) ? d.aud.join(' ') : d.aud;
  return {
    ...base(e, AUTHENTICATION, tokenActivity[d.kind], success, severity, version),
    auth_protocol_id: 99,
    auth_protocol: 'OAuth 2.0',
    user: { uid: d.sub ?? d.client_id, name: d.sub ?? d.client_id },
    actor: { app_name: d.client_id, app_uid: d.client_id },
    ...(aud ? { service: { name: aud, uid: aud } } : {}),
    ...(d.reason || d.error ? { status_detail: d.reason ?? d.error, status_code: d.error } : {}),
    unmapped: {
      jti: d.jti,
      scope: d.scope,
      cnf_jkt: d.cnf_jkt,
      act: d.act,
      exp: d.exp,
      action: d.action,
      subject_jti: d.subject_jti,
    },
  };
}

function fromDecision(e: DecisionEvent, version: string): OcsfEvent {
  const d = e.data;
  const input = d.input;
  const allow = d.enforced.allow;
  const severity = allow ? SEVERITY.informational : SEVERITY.low;
  const user = {
    uid: input.subject.sub,
    name: input.subject.sub,
    groups: input.subject.groups.map((name) => ({ name })),
  };
  const reasons = d.enforced.reasons.map((r) => (typeof r === 'string' ? r : r.code)).join(', ');
  const common = {
    ...(reasons ? { status_detail: reasons } : {}),
    unmapped: {
      decision_id: d.decision_id,
      policy_path: d.path,
      bundles: d.bundles,
      requested_scopes: input.scopes,
      audience: input.target.audience,
      client_trust: input.client.trust,
      ttl_seconds: d.enforced.ttl_seconds,
    },
  };
  if (input.action === 'tool_call') {
    return {
      ...base(e, API_ACTIVITY, [99, 'Tool Call'], allow, severity, version),
      actor: { user, app_name: input.client.client_id, app_uid: input.client.client_id },
      api: {
        operation: input.context.tool ?? 'tool_call',
        service: { name: input.target.audience ?? input.target.resource },
      },
      src_endpoint: { ip: input.context.ip },
      ...common,
    };
  }
  return {
    ...base(e, AUTHORIZE_SESSION, [1, 'Assign Privileges'], allow, severity, version),
    user,
    actor: { app_name: input.client.client_id, app_uid: input.client.client_id },
    privileges: d.enforced.scopes,
    ...(input.context.ip ? { src_endpoint: { ip: input.context.ip } } : {}),
    ...(input.target.audience ? { dst_endpoint: { svc_name: input.target.audience } } : {}),
    ...common,
  };
}

/** Maps one audit event to its OCSF class (see the module comment for the choice). */
export function toOcsf(e: AuditEvent, productVersion = '0.1.0'): OcsfEvent {
  return e.type === DECISION_EVENT_TYPE
    ? fromDecision(e, productVersion)
    : fromToken(e as TokenEvent, productVersion);
}
