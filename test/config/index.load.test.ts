/**
 * loadConfig refuses bad configuration with a ConfigError whose exact message names the variable
 * (or file and field) and what is wrong; `main.ts` prints it and exits 1. Each section's refusals
 * are tested beside its module (storage, load-file, upstream, policy-bundle, …); here the issuer,
 * the cross-section check of the workers, and a valid configuration with its defaults.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { configFiles, itRefuses, type RefusalCase } from '../helpers/config.js';

const { dir, file } = configFiles('mandate-config-');

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
