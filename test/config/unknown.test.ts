/**
 * Unknown MANDATE_* / UPSTREAM_OIDC_* variables are start-up warnings naming the closest known one
 * (issue 14 §7); variables other commands read and the configuration file's client_secret_env
 * names never are.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/index.js';
import {
  OTHER_COMMANDS_VARIABLES,
  describeUnknown,
  editDistance,
  unknownVariables,
} from '../../src/config/unknown.js';
import { repoRoot } from '../helpers/exchange.js';

describe('unknownVariables', () => {
  it('names the closest known variable for a misspelling', () => {
    expect(
      unknownVariables({
        MANDATE_ISUER: 'https://mandate.example',
        MANDATE_LOGLEVEL: 'debug',
        MANDATE_WORKER: '2',
        UPSTREAM_OIDC_CLIENTID: 'x',
        mandate_issuer: 'x',
      }),
    ).toEqual([
      { variable: 'MANDATE_ISUER', suggestion: 'MANDATE_ISSUER' },
      { variable: 'MANDATE_LOGLEVEL', suggestion: 'MANDATE_LOG_LEVEL' },
      { variable: 'MANDATE_WORKER', suggestion: 'MANDATE_WORKERS' },
      { variable: 'UPSTREAM_OIDC_CLIENTID', suggestion: 'UPSTREAM_OIDC_CLIENT_ID' },
      { variable: 'mandate_issuer', suggestion: 'MANDATE_ISSUER' },
    ]);
  });

  it('gives no suggestion when nothing is close', () => {
    expect(unknownVariables({ MANDATE_FROBNICATE_EVERYTHING: '1' })).toEqual([
      { variable: 'MANDATE_FROBNICATE_EVERYTHING', suggestion: undefined },
    ]);
  });

  it('ignores known, other-command, test-only, foreign and secret-variable names', () => {
    expect(
      unknownVariables(
        {
          MANDATE_ISSUER: 'x',
          MANDATE_POLICY_SRC: 'rego',
          MANDATE_TEST_PG_BIN: '/usr/lib/postgresql/15/bin',
          NATS_CONTEXT: 'prod',
          PATH: '/usr/bin',
          MANDATE_SALESFORCE_SECRET: 's'.repeat(32),
        },
        ['MANDATE_SALESFORCE_SECRET'],
      ),
    ).toEqual([]);
  });

  it('describes each with the exact warning text', () => {
    expect(describeUnknown({ variable: 'MANDATE_ISUER', suggestion: 'MANDATE_ISSUER' })).toBe(
      'config: MANDATE_ISUER is not a Mandate setting and is ignored; did you mean MANDATE_ISSUER?',
    );
    expect(describeUnknown({ variable: 'MANDATE_X', suggestion: undefined })).toBe(
      'config: MANDATE_X is not a Mandate setting and is ignored (see docs/configuration.md)',
    );
  });

  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('MANDATE_ISSUER', 'MANDATE_ISUSER')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('loadConfig', () => {
  it('reports unknown variables without failing, and knows client_secret_env names', () => {
    const config = loadConfig({
      MANDATE_ISUER: 'https://mandate.example',
      SALESFORCE_MCP_SECRET: 's'.repeat(32),
    });
    expect(config.unknownVariables).toEqual([{ variable: 'MANDATE_ISUER', suggestion: 'MANDATE_ISSUER' }]);
    expect(config.issuer).toBe('http://localhost:8080');
  });
});

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === 'build') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

describe('the repository', () => {
  it('uses no MANDATE_* variable outside tests that the warning would call unknown', () => {
    const known = new Set([...Object.keys(envSchema.shape), ...OTHER_COMMANDS_VARIABLES]);
    const unknown = new Set<string>();
    const roots = [
      'src',
      'scripts',
      'docs',
      'examples',
      '.ci',
      'README.md',
      'Dockerfile',
      'docker-compose.yml',
    ];
    for (const root of roots) {
      const path = join(repoRoot, root);
      const list = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? [...files(path)] : [path];
      for (const file of list) {
        if (file.endsWith(join('src', 'config', 'unknown.ts'))) continue; // its comments show typos
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (line.includes('did you mean')) continue; // the warning's own documented example
          for (const [name] of line.matchAll(/\bMANDATE_[A-Z0-9_]+/g))
            if (!name.endsWith('_') && !name.startsWith('MANDATE_TEST_') && !known.has(name))
              unknown.add(`${name} (${relative(repoRoot, file)})`);
        }
      }
    }
    expect(
      [...unknown],
      'add server settings to src/config/env.ts, others to OTHER_COMMANDS_VARIABLES',
    ).toEqual([]);
  });
});
