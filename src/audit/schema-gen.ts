/**
 * Generates docs/audit-events.schema.json, the JSON Schema (draft 2020-12) consumers validate audit
 * events with, from the zod schemas in events.ts; test/audit/schema-gen.test.ts fails when the
 * committed file is out of date. Run: `npx tsx src/audit/schema-gen.ts`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { auditEventSchema } from './events.js';

export const SCHEMA_PATH = join(
  fileURLToPath(new URL('../..', import.meta.url)),
  'docs',
  'audit-events.schema.json',
);

export function auditEventsJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(auditEventSchema, { target: 'draft-2020-12', unrepresentable: 'any' });
  return {
    $schema: schema.$schema,
    $id: 'https://mandate.dev/schemas/audit-events.schema.json',
    title: 'Mandate audit event',
    description:
      'A CloudEvents 1.0 event on authz.decision.<action> or authz.token.<event> (stream AUTHZ_AUDIT). ' +
      'Generated from src/audit/events.ts; see docs/audit.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

export function renderSchema(): string {
  return JSON.stringify(auditEventsJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_PATH, renderSchema());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
