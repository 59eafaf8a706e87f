/**
 * loadConfig refuses bad configuration with a ConfigError whose exact message names the variable
 * (or file and field) and what is wrong; `main.ts` prints it and exits 1. Each section's refusals
 * are moving beside its module (storage, parse-env, …); here the rest, and a valid configuration
 * with its defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const secret = (c: string) => c.repeat(32);

const cases: RefusalCase[] = [
  {
    name: 'issuer with a trailing slash',
    env: () => ({ MANDATE_ISSUER: 'https://mandate.example/' }),
    message: () => "MANDATE_ISSUER: must not end with '/' (the issuer is compared byte for byte)",
  },
  {
    name: 'issuer with a query',
    env: () => ({ MANDATE_ISSUER: 'https://mandate.example/t?a=1' }),
    message: () => 'MANDATE_ISSUER: must not have a query or fragment (RFC 8414 §2)',
  },
  {
    name: 'issuer over http on a non-localhost host',
    env: () => ({ MANDATE_ISSUER: 'http://mandate.example' }),
    message: () => 'MANDATE_ISSUER: must use https unless the host is localhost',
  },
  {
    name: 'MANDATE_WORKERS > 1 without DATABASE_URL',
    env: () => ({ MANDATE_WORKERS: '2' }),
    message: () =>
      'MANDATE_WORKERS: more than one worker needs DATABASE_URL (embedded Postgres is single-process)',
  },
  {
    name: 'configuration file that cannot be read',
    env: () => ({ MANDATE_CONFIG: join(dir, 'missing.json') }),
    message: (env) =>
      `MANDATE_CONFIG: cannot read ${env.MANDATE_CONFIG}: ENOENT: no such file or directory, open '${env.MANDATE_CONFIG}'`,
  },
  {
    name: 'configuration file that is not JSON',
    env: () => ({ MANDATE_CONFIG: file('truncated.json', '{"clients": [') }),
    message: (env) => `MANDATE_CONFIG: cannot read ${env.MANDATE_CONFIG}: Unexpected end of JSON input`,
  },
  {
    name: 'short client secret',
    env: () => ({
      MANDATE_CONFIG: file('short.json', { clients: [{ client_id: 'a', client_secret: 'short' }] }),
    }),
    message: (env) =>
      `MANDATE_CONFIG (${env.MANDATE_CONFIG}) clients[0].client_secret: must be at least 32 characters (high-entropy secrets only)`,
  },
  {
    name: 'duplicate client_id',
    env: () => ({
      MANDATE_CONFIG: file('dup.json', {
        clients: [
          { client_id: 'mcp-a', client_secret: secret('x') },
          { client_id: 'mcp-a', client_secret: secret('y') },
        ],
      }),
    }),
    message: (env) =>
      `MANDATE_CONFIG (${env.MANDATE_CONFIG}) clients[1].client_id: duplicate client_id 'mcp-a'`,
  },
  {
    name: 'a configured redirect URI without a host (issue 10 §7)',
    env: () => ({
      MANDATE_CONFIG: file('hostless.json', {
        clients: [
          {
            client_id: 'app',
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code'],
            redirect_uris: ['https://app.example/cb', 'https:///cb'],
          },
        ],
      }),
    }),
    message: (env) =>
      `MANDATE_CONFIG (${env.MANDATE_CONFIG}) clients[0].redirect_uris[1]: https:///cb must name a host`,
  },
  {
    name: 'client_secret_env naming an unset variable',
    env: () => ({
      MANDATE_CONFIG: file('env.json', {
        clients: [{ client_id: 'mcp-a', client_secret_env: 'MANDATE_TEST_UNSET_SECRET' }],
      }),
    }),
    message: (env) =>
      `MANDATE_CONFIG (${env.MANDATE_CONFIG}) clients[0].client_secret_env: environment variable MANDATE_TEST_UNSET_SECRET is not set`,
  },
  {
    name: 'an upstream claim mapped to a registered token claim name',
    env: () => ({
      UPSTREAM_OIDC_ISSUER: 'https://idp.example',
      UPSTREAM_OIDC_CLIENT_ID: 'mandate',
      UPSTREAM_OIDC_CLAIMS: 'email,cnf=extension_key',
    }),
    message: () =>
      "UPSTREAM_OIDC_CLAIMS: 'cnf' is a registered token claim; name the attribute otherwise ('cnf_attr=extension_key')",
  },
  {
    name: 'an upstream claim kept under a registered token claim name',
    env: () => ({
      UPSTREAM_OIDC_ISSUER: 'https://idp.example',
      UPSTREAM_OIDC_CLIENT_ID: 'mandate',
      UPSTREAM_OIDC_CLAIMS: 'may_act',
    }),
    message: () =>
      "UPSTREAM_OIDC_CLAIMS: 'may_act' is a registered token claim; name the attribute otherwise ('may_act_attr=may_act')",
  },
  {
    name: 'a bundle server URL holding credentials',
    env: () => ({ MANDATE_POLICY_BUNDLE: 'https://ops:pw@bundles.example/policy.tar.gz' }),
    message: () =>
      'MANDATE_POLICY_BUNDLE: a bundle server URL must not hold credentials; use MANDATE_POLICY_BEARER_TOKEN',
  },
  {
    name: 'a bundle server polled with a minimum delay above the maximum',
    env: () => ({
      MANDATE_POLICY_BUNDLE: 'https://bundles.example/policy.tar.gz',
      MANDATE_POLICY_POLL_MIN_SECONDS: '300',
    }),
    message: () =>
      'MANDATE_POLICY_POLL_MIN_SECONDS (300) must not exceed MANDATE_POLICY_POLL_MAX_SECONDS (120)',
  },
];

describe('loadConfig error messages', () => {
  itRefuses(cases, { MANDATE_DATA_DIR: dir });

  it('accepts a valid configuration and applies the defaults', () => {
    const config = loadConfig({
      MANDATE_DATA_DIR: dir,
      MANDATE_ISSUER: 'https://mandate.example/tenants/acme',
      DATABASE_URL: 'postgres://db.example/mandate',
      MANDATE_WORKERS: '2',
      MANDATE_CONFIG: file('ok.json', {
        clients: [{ client_id: 'mcp-a', client_secret_env: 'MCP_A_SECRET' }],
      }),
      MCP_A_SECRET: secret('s'),
      PORT: '',
    });
    expect(config).toMatchObject({
      issuer: 'https://mandate.example/tenants/acme',
      port: 8080,
      databaseUrl: 'postgres://db.example/mandate',
      workers: 2,
      tokenTtl: 300,
      clockSkew: 60,
      demoConfig: false,
      database: {
        timeouts: {
          connectMs: 5000,
          acquireMs: 5000,
          statementMs: 5000,
          transactionMs: 10000,
          healthMs: 2000,
        },
        primaryWaitMs: 0,
      },
    });
    expect(config.file.clients.map((c) => c.client_id)).toEqual(['mcp-a']);
  });
});
