/**
 * What every OCSF rendering of an audit event shares (ocsf.ts): the class, activity, status,
 * severity and `metadata` members of the OCSF 1.3.0 base event, and Mandate as an endpoint.
 */
import type { AuditEvent } from './events.js';
import { DECISION_EVENT_TYPE } from './events.js';
import { decisionParties, type Parties, tokenParties } from './parties.js';

/** The OCSF schema version the renderings follow (test/fixtures/ocsf validates them against it). */
export const OCSF_VERSION = '1.3.0';

export const SEVERITY = { informational: 1, low: 2, medium: 3, high: 4 } as const;
const STATUS = { success: 1, failure: 2 } as const;

/** One OCSF event: the base event's required members, the rest by class. */
export type OcsfEvent = Record<string, unknown> & {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  severity_id: number;
  status_id: number;
  time: number;
};

/** An OCSF event class with its category. */
export interface OcsfClass {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
}

const IAM = { category_uid: 3, category_name: 'Identity & Access Management' };
export const AUTHENTICATION: OcsfClass = { class_uid: 3002, class_name: 'Authentication', ...IAM };
export const AUTHORIZE_SESSION: OcsfClass = { class_uid: 3003, class_name: 'Authorize Session', ...IAM };
export const API_ACTIVITY: OcsfClass = {
  class_uid: 6003,
  class_name: 'API Activity',
  category_uid: 6,
  category_name: 'Application Activity',
};

function metadata(e: AuditEvent, version: string, profiles: string[]): Record<string, unknown> {
  const correlation = (e.data as { decision_id?: string }).decision_id;
  return {
    version: OCSF_VERSION,
    ...(profiles.length > 0 ? { profiles } : {}),
    uid: e.id,
    ...(correlation === undefined ? {} : { correlation_uid: correlation }),
    sequence: Number(e.sequence),
    log_name: e.type,
    product: { name: 'Mandate', vendor_name: 'Mandate', version },
  };
}

/**
 * The base event members: class, activity, `type_uid` (class × 100 + activity), status, time, and
 * `metadata`, which lists the OCSF `profiles` whose attributes the rendering uses.
 */
export function base(
  e: AuditEvent,
  cls: OcsfClass,
  activity: [number, string],
  success: boolean,
  severity: number,
  version: string,
  profiles: string[] = [],
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
    metadata: metadata(e, version, profiles),
  };
}

/**
 * Mandate as the network endpoint a request was addressed to (OCSF `dst_endpoint`): the host and
 * port of the issuer URL the event's `source` holds, or that string as the endpoint's name.
 */
export function mandateEndpoint(source: string): Record<string, unknown> {
  try {
    const url = new URL(source);
    // An IPv6 literal is `[::1]` in a URL: OCSF has it as an `ip`, not a hostname.
    const host = url.hostname.startsWith('[')
      ? { ip: url.hostname.slice(1, -1) }
      : { hostname: url.hostname };
    return {
      svc_name: 'Mandate',
      ...host,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
    };
  } catch {
    return { svc_name: 'Mandate', name: source };
  }
}

/** An event's parties: its own members, or for an event written before they existed, derived. */
export function partiesOf(e: AuditEvent): Parties {
  const d = e.data;
  if (d.user !== undefined || d.agent !== undefined || d.client !== undefined)
    return {
      ...(d.user === undefined ? {} : { user: d.user }),
      ...(d.agent === undefined ? {} : { agent: d.agent }),
      ...(d.client === undefined ? {} : { client: d.client }),
    };
  return e.type === DECISION_EVENT_TYPE ? decisionParties(e.data.input) : tokenParties(e.data);
}

/**
 * OCSF `actor` (three-party attribution, docs/audit.md): the client as the application
 * (`app_uid`, `app_name`), the agent acting for the user as `invoked_by`, and `user` where the
 * class has no user of its own (API Activity). Undefined when there is none of them.
 */
export function actorOf(p: Parties, user?: Record<string, unknown>): Record<string, unknown> | undefined {
  const actor = {
    ...(user === undefined ? {} : { user }),
    ...(p.client === undefined ? {} : { app_name: p.client.id, app_uid: p.client.id }),
    ...(p.agent === undefined ? {} : { invoked_by: p.agent.sub }),
  };
  return Object.keys(actor).length === 0 ? undefined : actor;
}
