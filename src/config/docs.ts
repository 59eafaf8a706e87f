/**
 * Generates docs/configuration.md from the environment schema and the configuration file's schema,
 * so the reference cannot drift from the code (test/config/docs.test.ts fails when the committed
 * file is stale, or when a field has no description).
 * Regenerate: `npx tsx src/config/docs.ts > docs/configuration.md`.
 */
import { z } from 'zod';
import { envSchema } from './env.js';
import { connectorSchema } from './connectors.js';
import { clientSchema, configFileSchema, issuerSchema, resourceSchema } from './file.js';
import { workloadIssuerSchema, workloadRuleSchema } from './workload.js';
import { mcpServerSchema, serviceSchema, toolSchema } from './registry-schema.js';

/** A JSON Schema (draft 2020-12) property, as z.toJSONSchema writes the file's fields. */
interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

function typeOf(s: JsonSchema): string {
  if (s.enum !== undefined) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (s.type === 'array') return `list of ${s.items === undefined ? 'values' : typeOf(s.items)}`;
  if (s.format === 'uri') return 'URL';
  if (s.type === 'object') return s.properties?.keys === undefined ? 'object' : 'JWK Set';
  return s.type ?? 'value';
}

/** The file's fields of one section: one row each, with its type, default and description. */
export function fileFields(
  schema: z.ZodType,
): { field: string; type: string; dflt: string; meaning: string }[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return Object.entries(json.properties ?? {}).map(([field, p]) => ({
    field,
    type: typeOf(p),
    dflt: json.required?.includes(field)
      ? 'required'
      : p.default === undefined
        ? '—'
        : `\`${JSON.stringify(p.default)}\``,
    meaning: p.description ?? '',
  }));
}

const FILE_SECTIONS = [
  ['`clients[]`', clientSchema],
  ['`issuers[]`', issuerSchema],
  ['`resources[]`', resourceSchema],
  ['`mcp_servers[]`', mcpServerSchema],
  ['`mcp_servers[].tools.<name>`', toolSchema],
  ['`services[]`', serviceSchema],
  ['`connectors[]`', connectorSchema],
  ['`workload_issuers[]`', workloadIssuerSchema],
  ['`workload_issuers[].rules[]`', workloadRuleSchema],
] as const;

function fileReference(): string[] {
  const table = (schema: z.ZodType) => [
    '| field | type | default | meaning |',
    '|---|---|---|---|',
    ...fileFields(schema).map((f) => `| \`${f.field}\` | ${f.type} | ${f.dflt} | ${f.meaning} |`),
  ];
  return [
    '## The configuration file',
    '',
    '`MANDATE_CONFIG` names a JSON file (see the README, section "Configuration file", for an example),',
    'checked at start-up like the environment: an unknown field or a value that does not validate',
    'stops the service with a message naming it.',
    '',
    ...table(configFileSchema),
    ...FILE_SECTIONS.flatMap(([name, schema]) => ['', `### ${name}`, '', ...table(schema)]),
  ];
}

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
    '<!-- Generated from src/config/env.ts and src/config/file.ts by `npx tsx src/config/docs.ts > docs/configuration.md`; do not edit. -->',
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
    ...fileReference(),
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  process.stdout.write(configurationReference());
