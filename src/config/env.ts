/**
 * Environment configuration: one zod schema, parsed once at boot. Every key has a default (or is
 * optional) and a description; docs/configuration.md is generated from this schema.
 */
import { z } from 'zod';
import { rateLimitEnv } from './rate-limits.js';
import { tracingEnv } from './tracing.js';

const port = z.coerce.number().int().min(0).max(65535);
const millis = (min: number, max: number, dflt: number) =>
  z.coerce.number().int().min(min).max(max).default(dflt);
const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** The start-up message for a webhook secret of another form. */
export const WEBHOOK_SECRET_FORM =
  'must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks), e.g. whsec_$(openssl rand -base64 32)';

/** Standard Webhooks' symmetric secret: `whsec_` and canonical base64 of 24 to 64 bytes. */
function isWebhookSecret(v: string): boolean {
  const b64 = v.startsWith('whsec_') ? v.slice('whsec_'.length) : '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return false;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 && key.length <= 64 && key.toString('base64') === b64;
}

const issuerUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL')
  .refine((v) => !v.endsWith('/'), "must not end with '/' (the issuer is compared byte for byte)")
  .refine((v) => {
    const u = new URL(v);
    return u.search === '' && u.hash === '';
  }, 'must not have a query or fragment (RFC 8414 §2)')
  .refine((v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || LOOPBACK.includes(u.hostname);
  }, 'must use https unless the host is localhost');

export const envSchema = z.object({
  PORT: port.default(8080).describe('TCP port the HTTP server listens on.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (0.0.0.0 in containers).'),
  MANDATE_ISSUER: issuerUrl
    .optional()
    .describe('Issuer URL, exactly as clients will see it. Default: http://localhost:<PORT>.'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe(
      'Postgres connection URL (PostgreSQL 14 or later). Several hosts are tried in order (postgres://user@host1:5432,host2:5432/db?target_session_attrs=read-write, as libpq does; see docs/ha.md). Unset: embedded Postgres (PGlite) in MANDATE_DATA_DIR.',
    ),
  MANDATE_DB_CONNECT_TIMEOUT_MS: millis(100, 120_000, 5_000).describe(
    'Deadline (milliseconds) for opening a database connection: TCP, TLS, authentication and the target_session_attrs check. A host that misses it is given up (the next one of the list is tried).',
  ),
  MANDATE_DB_ACQUIRE_TIMEOUT_MS: millis(100, 120_000, 5_000).describe(
    'Deadline (milliseconds) for getting a pooled database connection, opening one included; past it the request is answered 503 temporarily_unavailable.',
  ),
  MANDATE_DB_STATEMENT_TIMEOUT_MS: millis(100, 600_000, 5_000).describe(
    'Deadline (milliseconds) for one database statement, enforced by Mandate and sent to the server as statement_timeout; a connection whose statement misses it is destroyed, and the request is answered 503. Migrations are not bound by it.',
  ),
  MANDATE_DB_TRANSACTION_TIMEOUT_MS: millis(100, 600_000, 10_000).describe(
    'Deadline (milliseconds) for one transaction, BEGIN to COMMIT (the audit group commit, the relay); sent to the server as idle_in_transaction_session_timeout, so a client that vanished mid-transaction cannot hold its locks. At least MANDATE_DB_STATEMENT_TIMEOUT_MS.',
  ),
  MANDATE_DB_HEALTH_TIMEOUT_MS: millis(100, 60_000, 2_000).describe(
    'Deadline (milliseconds) for the database check of /readyz (the server answers and accepts writes).',
  ),
  MANDATE_DB_PRIMARY_WAIT: seconds(0, 86_400)
    .default(0)
    .describe(
      'At start-up, seconds to wait for the database to accept writes when it is a standby (or no listed host is writable), e.g. during a failover; 0 stops at once with a message saying the server is a standby.',
    ),
  MANDATE_DB_ASYNC_REPLICATION: z
    .enum(['warn', 'accept'])
    .default('warn')
    .describe(
      "At start-up, when standbys are attached (pg_stat_replication) but Mandate's commits do not wait for one (synchronous_standby_names empty, or synchronous_commit local/off), `warn` logs that a failover can lose issued tokens and fork the audit stream; `accept` stays silent (docs/ha.md#synchronous-replication).",
    ),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\//, 'must be a nats:// (or tls://, ws://, wss://) URL')
    .optional()
    .describe(
      'NATS servers for the audit stream, comma-separated; a user and password (nats://mandate:secret@nats:4222, percent-encoded) or a token (nats://token@nats:4222) apply to all of them and are never logged. Unset: audit events go to a JSON-lines file.',
    ),
  NATS_CREDS: z
    .string()
    .min(1)
    .optional()
    .describe(
      'NATS credentials file (user JWT and NKey seed, as `nsc` writes it) for the audit stream, instead of a user and password in NATS_URL; read again at every connection.',
    ),
  MANDATE_NATS_CONNECT_TIMEOUT_MS: millis(100, 60_000, 2_000).describe(
    'Deadline (milliseconds) for the audit relay to open a NATS connection, handshake included; a server that accepts TCP but does not answer (frozen) is given up and the next one of NATS_URL is tried.',
  ),
  MANDATE_NATS_PING_INTERVAL_MS: millis(100, 600_000, 2_000).describe(
    "Interval (milliseconds) between the audit relay's pings to its NATS server; with MANDATE_NATS_MAX_PINGS_OUT it bounds how long the relay stays on a server that stopped answering (the client's own default is two minutes).",
  ),
  MANDATE_NATS_MAX_PINGS_OUT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe(
      'Unanswered pings after which the audit relay drops its NATS connection and moves to another server.',
    ),
  MANDATE_NATS_PUBLISH_TIMEOUT_MS: millis(100, 60_000, 2_000).describe(
    "Deadline (milliseconds) for JetStream's acknowledgement of each audit event; past it the batch is retried (nothing is lost: the events stay in the outbox) and the connection is checked at once.",
  ),
  MANDATE_CONFIG: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the JSON configuration file (clients, issuers).'),
  MANDATE_AUDIT_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a JetStream stream name (letters, digits, _ and -)')
    .default('AUTHZ_AUDIT')
    .describe(
      'JetStream stream the audit relay publishes to (created or updated at start-up). `mandate audit verify --stream` and `mandate audit tail` read it too.',
    ),
  MANDATE_AUDIT_SUBJECT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be NATS subject tokens separated by dots')
    .default('authz')
    .describe('First subject token(s) of audit events: <prefix>.decision.<action>, <prefix>.token.<event>.'),
  MANDATE_AUDIT_MAX_AGE: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'Seconds the audit stream keeps events; 0 keeps them for ever. The only retention limit of the stream, which refuses message deletion and purges (docs/audit.md, Retention).',
    ),
  MANDATE_AUDIT_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('Replicas of the audit stream in a clustered JetStream.'),
  MANDATE_POLICY_BUNDLE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The policy bundle (.tar.gz from `mandate policy build`): a file path (watched for replacement), or an http(s) URL of a bundle server, polled as OPA does (ETag/If-None-Match, 304). Default: the shipped default policy.',
    ),
  MANDATE_POLICY_POLL_MIN_SECONDS: z.coerce
    .number()
    .min(0.1)
    .max(86_400)
    .default(60)
    .describe(
      'Bundle server only: least delay (seconds) between polls; each delay is drawn at random between the minimum and MANDATE_POLICY_POLL_MAX_SECONDS.',
    ),
  MANDATE_POLICY_POLL_MAX_SECONDS: z.coerce
    .number()
    .min(0.1)
    .max(86_400)
    .default(120)
    .describe('Bundle server only: greatest delay (seconds) between polls.'),
  MANDATE_POLICY_LONG_POLL_SECONDS: seconds(1, 3600)
    .optional()
    .describe(
      'Bundle server only: ask it to hold each request up to this long until the bundle changes (`Prefer: wait=N`); a server that does answers with content type application/vnd.openpolicyagent.bundles and is asked again at once.',
    ),
  MANDATE_POLICY_BEARER_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe('Bundle server only: sent as `Authorization: Bearer <token>`.'),
  MANDATE_POLICY_FETCH_TIMEOUT_MS: millis(100, 600_000, 10_000).describe(
    'Bundle server only: deadline (milliseconds) of one download, on top of the long-poll wait.',
  ),
  MANDATE_POLICY_PUBLIC_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('PEM public key file; when set, unsigned or tampered policy bundles are refused.'),
  MANDATE_DATA_DIR: z
    .string()
    .min(1)
    .default('data')
    .describe('Folder for embedded state (PGlite, KEK, audit file).'),
  MANDATE_KEK: z
    .string()
    .optional()
    .describe(
      'Key-encryption key for signing keys: 32 bytes, base64url. Unset: generated into the data folder.',
    ),
  MANDATE_TOKEN_TTL: seconds(30, 3600)
    .default(300)
    .describe('Upper bound (seconds) on any access token Mandate issues; policy may only shorten it.'),
  MANDATE_ACCESS_TOKEN_TTL: seconds(30, 3600)
    .default(300)
    .describe(
      'Lifetime (seconds) of first-hop access tokens (authorization code and refresh grants); never beyond MANDATE_TOKEN_TTL or the policy.',
    ),
  MANDATE_REFRESH_TOKEN_TTL: seconds(300, 7776000)
    .default(1209600)
    .describe(
      'Absolute lifetime (seconds) of a refresh-token family, counted from the login that started it.',
    ),
  MANDATE_REFRESH_GRACE: seconds(0, 300)
    .default(30)
    .describe(
      'Seconds during which a just-rotated refresh token still returns the same successor (concurrent or retried refreshes); reuse after that revokes the family.',
    ),
  MANDATE_AUTH_CODE_TTL: seconds(10, 600)
    .default(60)
    .describe('Lifetime (seconds) of an authorization code.'),
  MANDATE_SESSION_TTL: seconds(60, 86400)
    .default(28800)
    .describe('Lifetime (seconds) of the login session cookie set after the upstream IdP login.'),
  UPSTREAM_OIDC_ISSUER: z
    .string()
    .url()
    .refine((v) => {
      const u = new URL(v);
      return u.protocol === 'https:' || LOOPBACK.includes(u.hostname);
    }, 'must use https unless the host is localhost')
    .optional()
    .describe(
      'Issuer URL of the enterprise OpenID Provider users log in with (Okta: https://<org>.okta.com or its custom authorization server https://<org>.okta.com/oauth2/<id>; Entra ID: https://login.microsoftonline.com/<tenant-id>/v2.0). Unset: the built-in development IdP at <issuer>/dev-idp with demo users.',
    ),
  UPSTREAM_OIDC_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Client id of Mandate at the upstream IdP (Okta: the app integration; Entra ID: the application (client) id). Its redirect URI is <issuer>/login/callback.',
    ),
  UPSTREAM_OIDC_CLIENT_SECRET: z
    .string()
    .min(1)
    .optional()
    .describe('Client secret of Mandate at the upstream IdP.'),
  UPSTREAM_OIDC_TOKEN_AUTH_METHOD: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic')
    .describe('How Mandate authenticates at the upstream token endpoint.'),
  UPSTREAM_OIDC_SCOPES: z
    .string()
    .min(1)
    .default('openid profile email')
    .describe(
      "Scopes requested from the upstream IdP (must include openid; Okta: add 'groups' with a groups claim on the authorization server).",
    ),
  UPSTREAM_OIDC_GROUPS_CLAIM: z
    .string()
    .min(1)
    .default('groups')
    .describe(
      "ID-token claim holding the user's groups (Okta: the groups claim you defined; Entra ID: 'groups' (object ids, or names with cloud-only groups) or 'roles' for app roles).",
    ),
  UPSTREAM_OIDC_CLAIMS: z
    .string()
    .default('email,name,department')
    .describe(
      "ID-token claims that become subject attributes policy sees, comma-separated; 'attr=claim' renames (e.g. 'department=extension_department' for an Entra ID directory extension). Attributes travel in the first-hop access token, so a registered token claim name (iss, sub, aud, scope, scp, act, may_act, cnf, groups, …) is refused as an attribute name.",
    ),
  MANDATE_DPOP_REQUIRE_NONCE: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      "When true, every DPoP proof at the token endpoint must carry a fresh server nonce (RFC 9449 §8): clients first get use_dpop_nonce with a DPoP-Nonce header. Nonces are stateless (keyed by the KEK), so all instances accept each other's.",
    ),
  MANDATE_APPROVAL_WEBHOOK_URL: z
    .string()
    .url()
    .refine((v) => {
      const u = URL.canParse(v) ? new URL(v) : undefined;
      return u?.protocol === 'https:' || (u?.protocol === 'http:' && LOOPBACK.includes(u.hostname));
    }, 'must be an https URL (http only on localhost, 127.0.0.1 or [::1])')
    .optional()
    .describe(
      'When set, each new pending approval (ADR 0014) is POSTed there as JSON, signed with MANDATE_APPROVAL_WEBHOOK_SECRET (Standard Webhooks): approval_id, approval_url (the page approvers open), binding_message, client_binding_message, subject, client_id, agents, service, scopes, tool, expires_at; never a token. Fire and forget: a failure or a timeout is logged and counted (mandate_approval_webhook_failures_total) and never delays or fails the request.',
    ),
  MANDATE_APPROVAL_WEBHOOK_SECRET: z
    .string()
    .refine(isWebhookSecret, WEBHOOK_SECRET_FORM)
    .optional()
    .describe(
      'Required with MANDATE_APPROVAL_WEBHOOK_URL: the key every notice is signed with (Standard Webhooks 1.0: webhook-id, webhook-timestamp and webhook-signature headers, HMAC-SHA256), as whsec_ followed by the base64 of 24 to 64 random bytes (`echo whsec_$(openssl rand -base64 32)`). The receiver holds the same value and verifies each notice (docs/operations.md#approval-webhook). Never logged.',
    ),
  MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS: millis(100, 30_000, 2_000).describe(
    'Deadline (milliseconds) for one approval webhook POST, connection included.',
  ),
  MANDATE_CLOCK_SKEW: seconds(0, 300).default(60).describe('Clock skew (seconds) tolerated on exp/nbf/iat.'),
  MANDATE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level.'),
  MANDATE_DRAIN_TIMEOUT_MS: millis(0, 600_000, 25_000).describe(
    "On SIGTERM, longest wait (milliseconds) for the requests already accepted to be answered before the listener closes; meanwhile new requests get 503 temporarily_unavailable with Retry-After and /readyz 503. Keep it below the orchestrator's grace period (Kubernetes: 30 s).",
  ),
  MANDATE_DRAIN_QUIET_MS: millis(0, 60_000, 500).describe(
    'On SIGTERM, the listener closes once nothing is in flight and no connection or request has arrived for this long (milliseconds), so that connections are closed while idle, never reset mid-request.',
  ),
  MANDATE_WORKERS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe(
      'Worker processes sharing the port (node:cluster). Needs DATABASE_URL when above 1; then the primary process runs the migrations and the one audit chain writer of the machine (two more database connections, docs/audit.md).',
    ),
  MANDATE_METRICS_PORT: z
    .string()
    .regex(/^(off|main|\d{1,5})$/, 'must be main, off or a TCP port')
    .default('main')
    .describe(
      'Where Prometheus metrics are served (GET /metrics, aggregated over all workers): main (on PORT), a TCP port of their own on HOST (then not on PORT), or off. docs/operations.md#metrics lists the series.',
    ),
  ...rateLimitEnv,
  ...tracingEnv,
  MANDATE_DYNAMIC_CLIENT_TTL: seconds(60, 31536000)
    .default(2592000)
    .describe(
      'Seconds a self-registered client (RFC 7591 registration or client metadata document) may go unused before it expires and is deleted; each use pushes the expiry back.',
    ),
  MANDATE_CIMD_ALLOWED_HOSTS: z
    .string()
    .default('')
    .describe(
      'Comma-separated host names (or IP literals) whose client metadata documents and key sets may be fetched even though they resolve to private, loopback or other special-use addresses. Empty: only public addresses.',
    ),
  MANDATE_CIMD_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(30000)
    .default(5000)
    .describe(
      'Deadline (milliseconds) for fetching a client metadata document or key set: resolution, connection and body.',
    ),
  MANDATE_CIMD_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'PEM file of extra trust anchors (an internal CA) for fetching client metadata documents; the system roots stay trusted.',
    ),
});

export type Env = z.infer<typeof envSchema>;
