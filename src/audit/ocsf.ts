/**
 * OCSF rendering of audit events for SIEMs that ingest the Open Cybersecurity Schema Framework
 * (https://schema.ocsf.io, v1.3.0):
 * - token events → Authentication (3002), see ocsf-token.ts;
 * - decisions on tool calls → API Activity (6003), activity Other (99): a call to an MCP tool;
 * - every other decision (token exchange, authorize, jwt-bearer, refresh, ID-JAG) → Authorize
 *   Session (3003), Assign Privileges (1): the privileges are the scopes granted.
 * Fields OCSF has no place for stay in `unmapped`, so nothing in the event is lost.
 */
import type { AuditEvent, DecisionEvent, TokenEvent } from './events.js';
import { DECISION_EVENT_TYPE, tokenEventTypes } from './events.js';
import {
  actorOf,
  API_ACTIVITY,
  AUTHORIZE_SESSION,
  base,
  type OcsfEvent,
  partiesOf,
  SEVERITY,
} from './ocsf-base.js';
import { fromToken } from './ocsf-token.js';

export { OCSF_VERSION, type OcsfEvent } from './ocsf-base.js';

function fromDecision(e: DecisionEvent, version: string): OcsfEvent {
  const d = e.data;
  const input = d.input;
  const allow = d.enforced.allow;
  const severity = allow ? SEVERITY.informational : SEVERITY.low;
  const parties = partiesOf(e);
  // The subject of a decision always has a `sub`; a masked one is still the user's place.
  const user = {
    uid: parties.user?.sub ?? input.subject.sub,
    name: parties.user?.sub ?? input.subject.sub,
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
      trace_id: d.trace_id,
      span_id: d.span_id,
      agent: parties.agent,
    },
  };
  if (input.action === 'tool_call') {
    const service = input.target.audience ?? input.target.resource;
    return {
      ...base(e, API_ACTIVITY, [99, 'Tool Call'], allow, severity, version),
      // API Activity has no `user`: the user is the actor's, invoked by the agent, through the client.
      actor: actorOf(parties, user),
      api: {
        operation: input.context.tool ?? 'tool_call',
        ...(service === undefined ? {} : { service: { name: service } }),
      },
      // Required in 6003: the client's address when known; the client, which asked, in any case.
      src_endpoint: {
        ...(input.context.ip ? { ip: input.context.ip } : {}),
        svc_name: input.client.client_id,
      },
      ...common,
    };
  }
  return {
    // Authorize Session has `actor` only with OCSF's host profile, hence `metadata.profiles`.
    ...base(e, AUTHORIZE_SESSION, [1, 'Assign Privileges'], allow, severity, version, ['host']),
    user,
    ...optional('actor', actorOf(parties)),
    privileges: d.enforced.scopes,
    ...(input.context.ip ? { src_endpoint: { ip: input.context.ip } } : {}),
    ...(input.target.audience ? { dst_endpoint: { svc_name: input.target.audience } } : {}),
    ...common,
  };
}

const optional = (k: string, v: unknown): Record<string, unknown> => (v === undefined ? {} : { [k]: v });

/** Maps one audit event to its OCSF class (see the module comment for the choice). */
export function toOcsf(e: AuditEvent, productVersion = '0.1.0'): OcsfEvent {
  if (e.type === DECISION_EVENT_TYPE) return fromDecision(e, productVersion);
  if (isTokenEvent(e)) return fromToken(e, productVersion);
  // A new event type fails to compile here until it has a mapping (and a case in ocsf.schema.test.ts).
  const unmapped: never = e;
  throw new Error(`no OCSF mapping for audit event type ${(unmapped as AuditEvent).type}`);
}

const tokenTypes: ReadonlySet<string> = new Set(tokenEventTypes);
const isTokenEvent = (e: AuditEvent): e is TokenEvent => tokenTypes.has(e.type);
