/**
 * Loads and validates all configuration once at boot. Any problem is a `ConfigError` whose message
 * names the variable (or file path and field) and what is wrong with it. This file is the entry:
 * `loadConfig` reads the environment and assembles the sections, each resolved in a file of its own.
 *
 * - `config-error.ts`: `ConfigError` and the one format of a schema's issues; `config-type.ts`: the
 *   validated `Config`; `parse-env.ts`: the environment read (empty values unset) by a schema.
 * - `env.ts`: the schema of the variables; `docs.ts` generates docs/configuration.md from it and
 *   from the file's schema, `file.ts` (with `client-schema.ts`, `registry-schema.ts`,
 *   `registry.ts`, `connectors.ts`, `workload.ts`); `records.ts` turns the file into store records.
 * - `load-file.ts`: the configuration file (MANDATE_CONFIG, or the demo one on localhost), the
 *   secrets it names, its registry; `loadPolicyRegistry` for `mandate policy`.
 * - One section each: `storage.ts` (database, NATS with `nats.ts`, audit stream),
 *   `policy-bundle.ts`, `upstream.ts` (the enterprise IdP), `client-registration.ts`,
 *   `approval-webhook.ts`, `metrics.ts`, `rate-limits.ts`, `tracing.ts`, `unknown.ts` (variables
 *   nothing reads); `paths.ts`, the files shipped with Mandate.
 * - `audit-tool.ts`: `loadAuditToolConfig`, the storage section alone, for `mandate audit`.
 */
import { resolve } from 'node:path';
import { approvalWebhookConfig } from './approval-webhook.js';
import { clientRegistrationConfig } from './client-registration.js';
import type { Config } from './config-type.js';
import { ConfigError } from './config-error.js';
import { envSchema, type Env } from './env.js';
import { configSource, loadFile, secretVariablesOf } from './load-file.js';
import { metricsConfig } from './metrics.js';
import { cleanEnv, parseEnv } from './parse-env.js';
import { policyConfig, readPolicyPublicKey } from './policy-bundle.js';
import { parseTrustProxy, rateRules } from './rate-limits.js';
import { checkDatabase, storageConfig } from './storage.js';
import { tracingConfig } from './tracing.js';
import { unknownVariables } from './unknown.js';
import { upstreamConfig } from './upstream.js';

export { ConfigError } from './config-error.js';
export type {
  AuditStreamConfig,
  AuditToolConfig,
  Config,
  NatsClientConfig,
  UpstreamOidcConfig,
} from './config-type.js';
export { loadAuditToolConfig } from './audit-tool.js';
export { loadPolicyRegistry } from './load-file.js';
export { parseClaimMap } from './upstream.js';

function checkWorkers(e: Env): void {
  if (e.MANDATE_WORKERS > 1 && e.DATABASE_URL === undefined)
    throw new ConfigError(
      'MANDATE_WORKERS: more than one worker needs DATABASE_URL (embedded Postgres is single-process)',
    );
}

function firstHopConfig(e: Env): Config['firstHop'] {
  return {
    accessTokenTtl: Math.min(e.MANDATE_ACCESS_TOKEN_TTL, e.MANDATE_TOKEN_TTL),
    refreshTokenTtl: e.MANDATE_REFRESH_TOKEN_TTL,
    refreshGrace: e.MANDATE_REFRESH_GRACE,
    authCodeTtl: e.MANDATE_AUTH_CODE_TTL,
    sessionTtl: e.MANDATE_SESSION_TTL,
  };
}

/** The service's configuration from `env`: every variable and the file checked, or a ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = cleanEnv(env);
  const e = parseEnv(envSchema, cleaned);
  checkWorkers(e);
  checkDatabase(e);
  const issuer = e.MANDATE_ISSUER ?? `http://localhost:${e.PORT}`;
  const { configPath, demoConfig } = configSource(e, issuer);
  const policyPublicKey = readPolicyPublicKey(e);
  const { file, registry } = loadFile(configPath, cleaned);
  return {
    port: e.PORT,
    host: e.HOST,
    issuer,
    ...storageConfig(e),
    configPath,
    demoConfig,
    file,
    registry,
    ...policyConfig(e, policyPublicKey),
    dataDir: resolve(e.MANDATE_DATA_DIR),
    kek: e.MANDATE_KEK,
    tokenTtl: e.MANDATE_TOKEN_TTL,
    clockSkew: e.MANDATE_CLOCK_SKEW,
    dpopRequireNonce: e.MANDATE_DPOP_REQUIRE_NONCE === 'true',
    approvalWebhook: approvalWebhookConfig(e),
    logLevel: e.MANDATE_LOG_LEVEL,
    workers: e.MANDATE_WORKERS,
    metrics: metricsConfig(e),
    rateLimits: rateRules(e),
    tracing: tracingConfig(e),
    trustProxy: parseTrustProxy(e.MANDATE_TRUST_PROXY) ?? false,
    shutdown: { quietMs: e.MANDATE_DRAIN_QUIET_MS, timeoutMs: e.MANDATE_DRAIN_TIMEOUT_MS },
    firstHop: firstHopConfig(e),
    upstream: upstreamConfig(e),
    clientRegistration: clientRegistrationConfig(e),
    unknownVariables: unknownVariables(cleaned, secretVariablesOf(file)),
  };
}
