/**
 * Token events as OCSF Authentication (3002): issued and refused = Service Ticket Request (4),
 * refreshed = Service Ticket Renew (5), revoked, reuse detected and the approvals a token exchange
 * waits for (requested, granted, denied: ADR 0014) = Other (99); the protocol is
 * OCSF's OAuth 2.0 (`auth_protocol_id` 6).
 */
import type { TokenEvent } from './events.js';
import {
  actorOf,
  AUTHENTICATION,
  base,
  mandateEndpoint,
  type OcsfEvent,
  partiesOf,
  SEVERITY,
} from './ocsf-base.js';
import type { Parties } from './parties.js';

const tokenActivity: Record<TokenEvent['data']['kind'], [number, string]> = {
  issued: [4, 'Service Ticket Request'],
  refused: [4, 'Service Ticket Request'],
  refreshed: [5, 'Service Ticket Renew'],
  revoked: [99, 'Token Revoked'],
  reused: [99, 'Refresh Token Reuse Detected'],
  approval_requested: [99, 'Approval Requested'],
  approved: [99, 'Approval Granted'],
  approval_denied: [99, 'Approval Denied'],
  approval_used: [99, 'Approval Used'],
};

/** OCSF `auth_protocol_id` 6, whose caption is "OAUTH 2.0" (dictionary.json). */
const OAUTH2 = { auth_protocol_id: 6, auth_protocol: 'OAUTH 2.0' } as const;

const present = (s: string | undefined): s is string => s !== undefined && s !== '';

/**
 * The subject authenticated (OCSF `user`, required in 3002): the user the token is for, else the
 * authenticated client. A request refused before any client authenticated has no identity: the
 * user is of type Unknown, named by the client id it claimed (never as a `uid`) or "anonymous".
 */
function subject(p: Parties, claimed: string | undefined): Record<string, unknown> {
  if (p.user !== undefined) return { uid: p.user.sub, name: p.user.sub };
  if (p.client !== undefined)
    return { uid: p.client.id, name: p.client.id, type_id: 99, type: 'OAuth Client' };
  return { name: present(claimed) ? claimed : 'anonymous', type_id: 0, type: 'Unknown' };
}

/** Maps one token event to OCSF Authentication. */
export function fromToken(e: TokenEvent, version: string): OcsfEvent {
  const d = e.data;
  const success = d.kind !== 'refused' && d.kind !== 'reused' && d.kind !== 'approval_denied';
  const severity =
    d.kind === 'reused' ? SEVERITY.high : d.kind === 'refused' ? SEVERITY.low : SEVERITY.informational;
  const aud = Array.isArray(d.aud) ? d.aud.join(' ') : d.aud;
  const parties = partiesOf(e);
  const actor = actorOf(parties);
  return {
    ...base(e, AUTHENTICATION, tokenActivity[d.kind], success, severity, version),
    ...OAUTH2,
    user: subject(parties, d.claimed_client_id),
    ...(actor === undefined ? {} : { actor }),
    // OCSF 3002 wants `service` or `dst_endpoint`: Mandate is always the endpoint addressed.
    dst_endpoint: mandateEndpoint(e.source),
    ...(present(aud) ? { service: { name: aud, uid: aud } } : {}),
    ...(d.reason || d.error ? { status_detail: d.reason ?? d.error, status_code: d.error } : {}),
    unmapped: {
      jti: d.jti,
      scope: d.scope,
      cnf_jkt: d.cnf_jkt,
      act: d.act,
      agent: parties.agent,
      exp: d.exp,
      action: d.action,
      subject_jti: d.subject_jti,
      claimed_client_id: d.claimed_client_id,
      approval_id: d.approval_id,
      approver: d.approver,
    },
  };
}
