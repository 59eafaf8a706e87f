/**
 * Loads and validates all configuration once at boot. Any problem is a `ConfigError` whose message
 * names the variable (or file path and field) and what is wrong with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, describeIssues } from './config-error.js';
import type { Config, UpstreamOidcConfig } from './config-type.js';
import { envSchema, type Env } from './env.js';
import { configFileSchema, type ConfigFile } from './file.js';
import type { PolicyRegistry } from '../policy/registry.js';
import { resolveRegistry } from './registry.js';
import { defaultBundlePath, demoConfigPath } from './paths.js';
import { unknownVariables } from './unknown.js';
import { parseTrustProxy, rateRules } from './rate-limits.js';
import { tracingConfig } from './tracing.js';
import { cleanEnv, parseEnv } from './parse-env.js';
import { checkDatabase, storageConfig } from './storage.js';

export { ConfigError } from './config-error.js';
export type {
  AuditStreamConfig,
  AuditToolConfig,
  Config,
  NatsClientConfig,
  UpstreamOidcConfig,
} from './config-type.js';
export { loadAuditToolConfig } from './audit-tool.js';

function isLocalhost(url: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
}

/**
 * Attribute names the claim map may not produce: subject attributes travel as claims of the
 * first-hop access token, so an attribute under one of these names would stand in the token as a
 * registered JWT / OAuth claim (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, RFC 7800 §3) that
 * Mandate did not decide, e.g. a `cnf` binding or an `act` chain taken from an IdP attribute.
 */
const RESERVED_ATTRIBUTES = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'typ',
  'client_id',
  'azp',
  'scope',
  'scp',
  'act',
  'may_act',
  'cnf',
  'auth_time',
  'acr',
  'amr',
  'groups',
  'nonce',
  'sid',
  'resource',
]);

/** Parses UPSTREAM_OIDC_CLAIMS: `a,b=c` → { a: 'a', b: 'c' }. */
export function parseClaimMap(raw: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const [attr, claim] = part.split('=').map((p) => p.trim());
    if (attr === undefined || attr === '' || claim === '')
      throw new ConfigError(`UPSTREAM_OIDC_CLAIMS: '${part}' is not 'attr' or 'attr=claim'`);
    if (RESERVED_ATTRIBUTES.has(attr))
      throw new ConfigError(
        `UPSTREAM_OIDC_CLAIMS: '${attr}' is a registered token claim; name the attribute otherwise ('${attr}_attr=${claim ?? attr}')`,
      );
    map[attr] = claim ?? attr;
  }
  return map;
}

function upstreamConfig(e: Env): UpstreamOidcConfig | undefined {
  if (e.UPSTREAM_OIDC_ISSUER === undefined) {
    if (e.UPSTREAM_OIDC_CLIENT_ID !== undefined)
      throw new ConfigError('UPSTREAM_OIDC_CLIENT_ID: set UPSTREAM_OIDC_ISSUER too');
    return undefined;
  }
  if (e.UPSTREAM_OIDC_CLIENT_ID === undefined)
    throw new ConfigError('UPSTREAM_OIDC_CLIENT_ID: required when UPSTREAM_OIDC_ISSUER is set');
  const scopes = e.UPSTREAM_OIDC_SCOPES.split(/\s+/).filter((s) => s !== '');
  if (!scopes.includes('openid')) throw new ConfigError("UPSTREAM_OIDC_SCOPES: must include 'openid'");
  return {
    issuer: e.UPSTREAM_OIDC_ISSUER,
    clientId: e.UPSTREAM_OIDC_CLIENT_ID,
    clientSecret: e.UPSTREAM_OIDC_CLIENT_SECRET,
    tokenAuthMethod: e.UPSTREAM_OIDC_TOKEN_AUTH_METHOD,
    scopes,
    groupsClaim: e.UPSTREAM_OIDC_GROUPS_CLAIM,
    claims: parseClaimMap(e.UPSTREAM_OIDC_CLAIMS),
  };
}

function readCimdCa(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`MANDATE_CIMD_CA_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Reads and checks the file; `env` undefined leaves the secrets it names unread. */
function readConfigFile(path: string, env: Record<string, string | undefined> | undefined): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `MANDATE_CONFIG: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, `MANDATE_CONFIG (${path}) `));
  const withSecrets = [
    ...parsed.data.clients.map((c, i) => [`clients[${i}]`, c] as const),
    ...parsed.data.mcp_servers.flatMap((s, j) =>
      s.client === undefined ? [] : [[`mcp_servers[${j}].client`, s.client] as const],
    ),
  ];
  for (const [at, c] of withSecrets) {
    if (c.client_secret_env === undefined || env === undefined) continue;
    const secret = env[c.client_secret_env];
    if (secret === undefined || secret.length < 32)
      throw new ConfigError(
        `MANDATE_CONFIG (${path}) ${at}.client_secret_env: environment variable ${c.client_secret_env} ` +
          (secret === undefined ? 'is not set' : 'must hold at least 32 characters'),
      );
  }
  return parsed.data;
}

/** The file as Mandate uses it: the registry's clients and resources merged in, and the policy's registry. */
function resolveFile(
  file: ConfigFile,
  source: string,
): { file: ConfigFile; registry: PolicyRegistry | undefined } {
  const { clients, resources, registry } = resolveRegistry(file, source);
  return { file: { ...file, clients, resources }, registry };
}

/**
 * The registry `mandate policy check|eval|replay` overlay: the one the service would overlay with the
 * file MANDATE_CONFIG names (client secrets are not read), or undefined without MANDATE_CONFIG.
 */
export function loadPolicyRegistry(
  env: Record<string, string | undefined> = process.env,
): PolicyRegistry | undefined {
  const name = env.MANDATE_CONFIG;
  if (name === undefined || name === '') return undefined;
  const path = resolve(name);
  return resolveFile(readConfigFile(path, undefined), path).registry;
}

function metricsPort(raw: string, main: number): number {
  const n = Number(raw);
  if (n < 1 || n > 65535)
    throw new ConfigError('MANDATE_METRICS_PORT: must be main, off or a TCP port 1-65535');
  if (n === main) throw new ConfigError('MANDATE_METRICS_PORT: is PORT; use main to serve metrics on it');
  return n;
}

/** MANDATE_POLICY_BUNDLE: a bundle server's URL as given, a file path resolved. */
function policyBundle(e: Env): string {
  const v = e.MANDATE_POLICY_BUNDLE;
  if (v === undefined) return defaultBundlePath();
  if (!/^https?:\/\//i.test(v)) return resolve(v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`MANDATE_POLICY_BUNDLE: ${JSON.stringify(v)} is not a valid URL`);
  }
  if (url.username !== '' || url.password !== '')
    throw new ConfigError(
      'MANDATE_POLICY_BUNDLE: a bundle server URL must not hold credentials; use MANDATE_POLICY_BEARER_TOKEN',
    );
  if (e.MANDATE_POLICY_POLL_MIN_SECONDS > e.MANDATE_POLICY_POLL_MAX_SECONDS)
    throw new ConfigError(
      `MANDATE_POLICY_POLL_MIN_SECONDS (${e.MANDATE_POLICY_POLL_MIN_SECONDS}) must not exceed MANDATE_POLICY_POLL_MAX_SECONDS (${e.MANDATE_POLICY_POLL_MAX_SECONDS})`,
    );
  return url.toString();
}

function checkWorkers(e: Env): void {
  if (e.MANDATE_WORKERS > 1 && e.DATABASE_URL === undefined)
    throw new ConfigError(
      'MANDATE_WORKERS: more than one worker needs DATABASE_URL (embedded Postgres is single-process)',
    );
}

/**
 * The configuration file: MANDATE_CONFIG, or else, for a development deployment (issuer on
 * localhost), the demo clients of examples/mandate.json, with a warning at start-up; anywhere else
 * nothing is configured implicitly. The image leaves examples/ out (its demo secrets too), so there
 * a localhost start has no clients until MANDATE_CONFIG names a file (docker-compose.demo.yml
 * mounts the demo one; ADR 0004).
 */
function configSource(e: Env, issuer: string): Pick<Config, 'configPath' | 'demoConfig'> {
  const demoConfig = e.MANDATE_CONFIG === undefined && isLocalhost(issuer) && existsSync(demoConfigPath());
  const configPath =
    e.MANDATE_CONFIG !== undefined ? resolve(e.MANDATE_CONFIG) : demoConfig ? demoConfigPath() : undefined;
  return { configPath, demoConfig };
}

/** The parsed configuration file and its policy registry; an empty file when there is none. */
function loadFile(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
): Pick<Config, 'file' | 'registry'> {
  return configPath === undefined
    ? { file: configFileSchema.parse({}), registry: undefined }
    : resolveFile(readConfigFile(configPath, env), configPath);
}

function readPolicyPublicKey(e: Env): string | undefined {
  if (e.MANDATE_POLICY_PUBLIC_KEY === undefined) return undefined;
  try {
    return readFileSync(e.MANDATE_POLICY_PUBLIC_KEY, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `MANDATE_POLICY_PUBLIC_KEY: cannot read ${e.MANDATE_POLICY_PUBLIC_KEY}: ${(err as Error).message}`,
    );
  }
}

/** Where the policy bundle comes from, how a bundle server is polled, and the key that signs it. */
function policyConfig(
  e: Env,
  policyPublicKey: string | undefined,
): Pick<Config, 'policyBundle' | 'policyRemote' | 'policyPublicKey'> {
  return {
    policyBundle: policyBundle(e),
    policyRemote: {
      minDelaySeconds: e.MANDATE_POLICY_POLL_MIN_SECONDS,
      maxDelaySeconds: e.MANDATE_POLICY_POLL_MAX_SECONDS,
      longPollSeconds: e.MANDATE_POLICY_LONG_POLL_SECONDS,
      bearerToken: e.MANDATE_POLICY_BEARER_TOKEN,
      timeoutMs: e.MANDATE_POLICY_FETCH_TIMEOUT_MS,
    },
    policyPublicKey,
  };
}

/** The approvers' webhook: every notice is signed, so a URL without a secret is refused. */
function approvalWebhookConfig(e: Env): Config['approvalWebhook'] {
  if (e.MANDATE_APPROVAL_WEBHOOK_URL === undefined) return undefined;
  if (e.MANDATE_APPROVAL_WEBHOOK_SECRET === undefined)
    throw new ConfigError(
      'MANDATE_APPROVAL_WEBHOOK_SECRET: required with MANDATE_APPROVAL_WEBHOOK_URL (every notice is signed, Standard Webhooks)',
    );
  return {
    url: e.MANDATE_APPROVAL_WEBHOOK_URL,
    timeoutMs: e.MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS,
    secret: e.MANDATE_APPROVAL_WEBHOOK_SECRET,
  };
}

function metricsConfig(e: Env): Config['metrics'] {
  return e.MANDATE_METRICS_PORT === 'main' || e.MANDATE_METRICS_PORT === 'off'
    ? e.MANDATE_METRICS_PORT
    : { port: metricsPort(e.MANDATE_METRICS_PORT, e.PORT) };
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

function clientRegistrationConfig(e: Env): Config['clientRegistration'] {
  return {
    dynamicClientTtl: e.MANDATE_DYNAMIC_CLIENT_TTL,
    cimdAllowedHosts: e.MANDATE_CIMD_ALLOWED_HOSTS.split(',')
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1'),
      )
      .filter((h) => h !== ''),
    cimdTimeoutMs: e.MANDATE_CIMD_TIMEOUT_MS,
    cimdCa: readCimdCa(e.MANDATE_CIMD_CA_FILE),
  };
}

/** The variables a client's secret is read from, which are not unknown. */
function secretVariablesOf(file: ConfigFile): string[] {
  return file.clients.flatMap((c) => (c.client_secret_env === undefined ? [] : [c.client_secret_env]));
}

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
