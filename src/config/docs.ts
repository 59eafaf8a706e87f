/**
 * Generates docs/configuration.md from the environment schema, so the reference cannot drift from
 * the code (test/config/docs.test.ts fails when the committed file is stale).
 * Regenerate: `npx tsx src/config/docs.ts > docs/configuration.md`.
 */
import type { z } from 'zod';
import { envSchema } from './env.js';

function defaultOf(schema: z.ZodType): string {
  const parsed = schema.safeParse(undefined);
  return parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
}

export function configurationReference(): string {
  const rows = Object.entries(envSchema.shape).map(
    ([name, schema]) => `| \`${name}\` | ${defaultOf(schema)} | ${schema.description ?? ''} |`,
  );
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/env.ts by `npx tsx src/config/docs.ts > docs/configuration.md`; do not edit. -->',
    '',
    'Mandate reads its configuration from the environment once, at start-up. A value that does not',
    'validate stops the service with a message naming the variable, e.g.',
    '`MANDATE_ISSUER: must use https unless the host is localhost`. Empty values count as unset.',
    'A variable with the prefix `MANDATE_` or `UPSTREAM_OIDC_` that is none of those below is ignored',
    'with a start-up warning naming the closest one, e.g.',
    '`config: MANDATE_ISUER is not a Mandate setting and is ignored; did you mean MANDATE_ISSUER?`',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...rows,
    '',
    'The configuration file (`MANDATE_CONFIG`) is described in the README, section "Configuration file".',
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  process.stdout.write(configurationReference());
