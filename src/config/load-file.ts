/**
 * The configuration file (MANDATE_CONFIG, or the demo one on localhost): read, checked against its
 * schema, the secrets its clients name read from the environment, and its registry (ADR 0007)
 * merged into the clients and resources Mandate serves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PolicyRegistry } from '../policy/registry.js';
import { ConfigError, describeIssues } from './config-error.js';
import type { Config } from './config-type.js';
import type { Env } from './env.js';
import { configFileSchema, type ConfigFile } from './file.js';
import { demoConfigPath } from './paths.js';
import { resolveRegistry } from './registry.js';

function isLocalhost(url: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
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

/**
 * The configuration file: MANDATE_CONFIG, or else, for a development deployment (issuer on
 * localhost), the demo clients of examples/mandate.json, with a warning at start-up; anywhere else
 * nothing is configured implicitly. The image leaves examples/ out (its demo secrets too), so there
 * a localhost start has no clients until MANDATE_CONFIG names a file (docker-compose.demo.yml
 * mounts the demo one; ADR 0004).
 */
export function configSource(e: Env, issuer: string): Pick<Config, 'configPath' | 'demoConfig'> {
  const demoConfig = e.MANDATE_CONFIG === undefined && isLocalhost(issuer) && existsSync(demoConfigPath());
  const configPath =
    e.MANDATE_CONFIG !== undefined ? resolve(e.MANDATE_CONFIG) : demoConfig ? demoConfigPath() : undefined;
  return { configPath, demoConfig };
}

/** The parsed configuration file and its policy registry; an empty file when there is none. */
export function loadFile(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
): Pick<Config, 'file' | 'registry'> {
  return configPath === undefined
    ? { file: configFileSchema.parse({}), registry: undefined }
    : resolveFile(readConfigFile(configPath, env), configPath);
}

/** The variables a client's secret is read from, which are not unknown. */
export function secretVariablesOf(file: ConfigFile): string[] {
  return file.clients.flatMap((c) => (c.client_secret_env === undefined ? [] : [c.client_secret_env]));
}
