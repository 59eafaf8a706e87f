/**
 * The validated configuration: what `loadConfig` returns, every value checked and defaulted, each
 * section resolved by its own module of this folder.
 */
import type { NatsAuth } from '../audit/nats-auth.js';
import type { RateLimitName, RateRule } from '../oauth/rate-limit.js';
import type { PolicyRegistry } from '../policy/registry.js';
import type { ConfigFile } from './file.js';
import type { TrustProxy } from './rate-limits.js';
import type { TracingConfig } from './tracing.js';
import type { UnknownVariable } from './unknown.js';

export interface Config {
  port: number;
  host: string;
  issuer: string;
  databaseUrl: string | undefined;
  /** How long each database step may take, and whether to wait for a primary at start-up. */
  database: {
    timeouts: {
      connectMs: number;
      acquireMs: number;
      statementMs: number;
      transactionMs: number;
      healthMs: number;
    };
    primaryWaitMs: number;
    /** Whether start-up warns when commits are not synchronously replicated (docs/ha.md). */
    asyncReplication: 'warn' | 'accept';
  };
  natsUrl: string | undefined;
  /** The JetStream stream audit events are relayed to (when natsUrl is set). */
  auditStream: AuditStreamConfig;
  /** How the audit relay's NATS client notices a server that stopped answering. */
  natsClient: NatsClientConfig;
  configPath: string | undefined;
  /** True when no MANDATE_CONFIG was given and the demo configuration was loaded (localhost only). */
  demoConfig: boolean;
  /** The configuration file, its registry's clients and resources merged into `clients` and `resources`. */
  file: ConfigFile;
  /** The registry the policy's data is overlaid with (ADR 0007); undefined when the file has none. */
  registry: PolicyRegistry | undefined;
  /** A file path, or the http(s) URL of a bundle server. */
  policyBundle: string;
  /** How a bundle server is polled (when policyBundle is a URL). */
  policyRemote: {
    minDelaySeconds: number;
    maxDelaySeconds: number;
    longPollSeconds: number | undefined;
    bearerToken: string | undefined;
    timeoutMs: number;
  };
  policyPublicKey: string | undefined;
  dataDir: string;
  kek: string | undefined;
  tokenTtl: number;
  clockSkew: number;
  /** RFC 9449 §8: proofs at the token endpoint must carry a server nonce. */
  dpopRequireNonce: boolean;
  /** MANDATE_APPROVAL_WEBHOOK_URL: where new pending approvals are announced (ADR 0014). */
  approvalWebhook: { url: string; timeoutMs: number; secret: string } | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  workers: number;
  /** GET /metrics: on the main port, on a port of its own, or not served. */
  metrics: 'main' | 'off' | { port: number };
  /** Span export over OTLP/HTTP (docs/operations.md#tracing); undefined: not exported. */
  tracing: TracingConfig | undefined;
  /** Rate limits by name (ADR 0010); a name without a rule is not limited. */
  rateLimits: Partial<Record<RateLimitName, RateRule>>;
  /** fastify's trustProxy: whose X-Forwarded-For gives the client address. */
  trustProxy: TrustProxy;
  /** Graceful shutdown: how the HTTP server drains on SIGTERM. */
  shutdown: { quietMs: number; timeoutMs: number };
  /** First hop (authorization code and refresh grants, login session). */
  firstHop: {
    accessTokenTtl: number;
    refreshTokenTtl: number;
    refreshGrace: number;
    authCodeTtl: number;
    sessionTtl: number;
  };
  /** The enterprise IdP users log in with; undefined runs the development IdP. */
  upstream: UpstreamOidcConfig | undefined;
  /** Self-registered clients: RFC 7591 registration and Client ID Metadata Documents. */
  clientRegistration: {
    dynamicClientTtl: number;
    cimdAllowedHosts: string[];
    cimdTimeoutMs: number;
    /** Extra PEM trust anchors for metadata fetches. */
    cimdCa: string | undefined;
  };
  /** MANDATE_* / UPSTREAM_OIDC_* variables nothing reads (typos), warned about at start-up. */
  unknownVariables: UnknownVariable[];
}

export interface AuditStreamConfig {
  name: string;
  subjectPrefix: string;
  maxAgeSeconds: number;
  replicas: number;
}

export interface NatsClientConfig {
  connectTimeoutMs: number;
  pingIntervalMs: number;
  maxPingsOut: number;
  publishTimeoutMs: number;
  /** From NATS_URL's user and password or token, or NATS_CREDS (src/config/nats.ts). */
  auth: NatsAuth | undefined;
}

export interface UpstreamOidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string[];
  groupsClaim: string;
  /** Subject attribute name → ID-token claim name. */
  claims: Record<string, string>;
}

/** What `mandate audit` needs, read from the same variables, defaults and checks as the service. */
export type AuditToolConfig = Pick<
  Config,
  'databaseUrl' | 'database' | 'natsUrl' | 'natsClient' | 'auditStream' | 'dataDir'
>;
