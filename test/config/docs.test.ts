/**
 * docs/configuration.md is generated from the environment schema and the configuration file's
 * schema and must not drift from them; every field of either has a description.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationReference, fileFields } from '../../src/config/docs.js';
import { connectorSchema } from '../../src/config/connectors.js';
import { clientSchema, configFileSchema, issuerSchema, resourceSchema } from '../../src/config/file.js';
import { mcpServerSchema, serviceSchema, toolSchema } from '../../src/config/registry-schema.js';
import { repoRoot } from '../helpers/exchange.js';

describe('docs/configuration.md', () => {
  it('equals the output of configurationReference() (regenerate: npx tsx src/config/docs.ts > docs/configuration.md)', () => {
    const committed = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');
    expect(committed).toBe(configurationReference());
  });

  it('documents every variable the issue names as the stable interface', () => {
    const doc = configurationReference();
    for (const name of [
      'PORT',
      'HOST',
      'MANDATE_ISSUER',
      'DATABASE_URL',
      'NATS_URL',
      'MANDATE_CONFIG',
      'MANDATE_POLICY_BUNDLE',
      'MANDATE_DATA_DIR',
      'MANDATE_KEK',
    ])
      expect(doc, name).toContain(`| \`${name}\` |`);
  });

  it.each([
    ['the file', configFileSchema],
    ['clients[]', clientSchema],
    ['issuers[]', issuerSchema],
    ['resources[]', resourceSchema],
    ['mcp_servers[]', mcpServerSchema],
    ['mcp_servers[].tools', toolSchema],
    ['services[]', serviceSchema],
    ['connectors[]', connectorSchema],
  ] as const)('describes every field of %s', (_name, schema) => {
    const fields = fileFields(schema);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.filter((f) => f.meaning === '').map((f) => f.field)).toEqual([]);
  });

  it('shows each field of the file with its type, default and meaning', () => {
    const doc = configurationReference();
    expect(doc).toContain('| `client_secret_env` | string | — | Name of the environment variable');
    expect(doc).toContain('| `resource` | URL | required |');
  });
});
