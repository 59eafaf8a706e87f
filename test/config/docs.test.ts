/** docs/configuration.md is generated from the environment schema and must not drift from it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationReference } from '../../src/config/docs.js';
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
});
