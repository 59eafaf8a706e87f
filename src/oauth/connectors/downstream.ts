/**
 * What a connector is asked and what it answers (ADR 0013): the user's token at a downstream
 * service's own authorization server, for the subject the policy mapped and the scopes it granted,
 * and the two ways that fails, a refusal by the downstream server and an outage.
 */
import type { ConnectorKind } from './kinds.js';

export type { DownstreamFact } from '../../audit/port.js';

/**
 * A connector's settings: the configuration file's `connectors[]` entry (config/connectors.ts,
 * documented in docs/configuration.md), as the protocol core reads it.
 */
export interface ConnectorSettings {
  service: string;
  kind: ConnectorKind;
  resource: string;
  audiences: string[];
  token_endpoint?: string | undefined;
  client_id?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  claims: Record<string, unknown>;
  send_scope: boolean;
  consumer_key?: string | undefined;
  login_url?: string | undefined;
  token_lifetime_seconds: number;
  assertion_ttl_seconds: number;
  pass_through: string[];
  timeout_ms: number;
  refresh_before_seconds: number;
  retry_after_seconds: number;
}

/** One request for a downstream token, after policy allowed the exchange. */
export interface DownstreamAsk {
  /** Who the user is at the downstream service: the policy's `downstream_subject` obligation. */
  subject: string;
  /** The user as Mandate knows them (the subject token's `iss` and `sub`). */
  user: { iss: string; sub: string };
  /** The scopes the policy granted, sorted. */
  scopes: string[];
  /** The MCP server asking (the exchange's client). */
  clientId: string;
  /** The subject token's `auth_time`, `acr`, `amr`, `email`, where an ID-JAG carries them. */
  claims: Record<string, unknown>;
  /** Seconds since the epoch. */
  now: number;
}

/** A downstream token response (RFC 6749 §5.1), its secrets kept to the members that matter. */
export interface ConnectorToken {
  accessToken: string;
  tokenType: string;
  /** Seconds the token lives, from the answer (`expires_in`) or the connector's setting. */
  expiresIn: number;
  /** The downstream server's `scope`, when it sent one. */
  scope?: string;
  /** The members the exchange response passes through (`pass_through`, Salesforce's `instance_url`, `id`). */
  passThrough: Record<string, unknown>;
}

/** A connector: obtains one downstream token, or throws a DownstreamFailure. */
export interface Connector {
  config: ConnectorSettings;
  obtain(ask: DownstreamAsk): Promise<ConnectorToken>;
}

/** The downstream server answered with an OAuth error (RFC 6749 §5.2). */
export class DownstreamRefusal extends Error {
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    readonly status: number,
  ) {
    super(`downstream refused: ${error}${errorDescription === undefined ? '' : ` (${errorDescription})`}`);
    this.name = 'DownstreamRefusal';
  }
}

/** The downstream server could not be reached or gave no usable answer. */
export class DownstreamUnavailable extends Error {
  constructor(
    readonly reason: 'downstream_unavailable' | 'downstream_invalid_response',
    readonly detail: string,
    /** The downstream's `Retry-After` (seconds), when it sent one. */
    readonly retryAfter?: number,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'DownstreamUnavailable';
  }
}
