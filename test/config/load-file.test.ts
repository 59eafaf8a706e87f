/**
 * The configuration file (src/config/load-file.ts): one that cannot be read or parsed, or that
 * breaks its schema, is refused naming the file and the field; a secret a client names in the
 * environment must be set and long enough; without MANDATE_CONFIG only a localhost issuer loads
 * the demo file.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { demoConfigPath } from '../../src/config/paths.js';
import { configFiles, itRefuses, type RefusalCase } from '../helpers/config.js';

const { dir, file } = configFiles('mandate-config-file-');

const secret = (c: string) => c.repeat(32);

const cases: RefusalCase[] = [
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
    name: 'client_secret_env naming a variable that holds a short secret',
    env: () => ({
      MANDATE_CONFIG: file('short-env.json', {
        clients: [{ client_id: 'mcp-a', client_secret_env: 'MANDATE_TEST_SHORT_SECRET' }],
      }),
      MANDATE_TEST_SHORT_SECRET: 'short',
    }),
    message: (env) =>
      `MANDATE_CONFIG (${env.MANDATE_CONFIG}) clients[0].client_secret_env: environment variable MANDATE_TEST_SHORT_SECRET must hold at least 32 characters`,
  },
];

describe('the configuration file', () => {
  itRefuses(cases, { MANDATE_DATA_DIR: dir });

  it("reads a client's secret from the variable it names", () => {
    const config = loadConfig({
      MANDATE_DATA_DIR: dir,
      MANDATE_CONFIG: file('env-ok.json', { clients: [{ client_id: 'mcp-a', client_secret_env: 'MCP_A' }] }),
      MCP_A: secret('s'),
    });
    expect(config.file.clients.map((c) => c.client_id)).toEqual(['mcp-a']);
    expect(config.unknownVariables).toEqual([]);
  });
});

describe('without MANDATE_CONFIG', () => {
  it('a localhost issuer loads the demo configuration', () => {
    const config = loadConfig({ MANDATE_DATA_DIR: dir, MANDATE_ISSUER: 'http://localhost:8080' });
    expect(config).toMatchObject({ demoConfig: true, configPath: demoConfigPath() });
  });

  it('any other issuer configures nothing implicitly', () => {
    const config = loadConfig({ MANDATE_DATA_DIR: dir, MANDATE_ISSUER: 'https://mandate.example' });
    expect(config).toMatchObject({ demoConfig: false, configPath: undefined, registry: undefined });
    expect(config.file.clients).toEqual([]);
  });
});
