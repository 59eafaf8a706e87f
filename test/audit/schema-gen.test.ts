import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, auditEventsJsonSchema } from '../../src/audit/schema-gen.js';

describe('docs/audit-events.schema.json', () => {
  it('is in sync with src/audit/events.ts (regenerate: npx tsx src/audit/schema-gen.ts)', async () => {
    const committed = JSON.parse(await readFile(SCHEMA_PATH, 'utf8')) as unknown;
    expect(committed).toEqual(auditEventsJsonSchema());
  });

  it('describes both event families and the chain attributes', () => {
    const schema = auditEventsJsonSchema() as {
      oneOf: { properties: Record<string, { const?: string; enum?: string[] }>; required: string[] }[];
    };
    expect(schema.oneOf).toHaveLength(2);
    expect(schema.oneOf[0]!.properties.type!.const).toBe('dev.mandate.decision');
    expect(schema.oneOf[1]!.properties.type!.enum).toContain('dev.mandate.token.reused');
    for (const variant of schema.oneOf) {
      expect(variant.required).toEqual(
        expect.arrayContaining([
          'specversion',
          'id',
          'source',
          'type',
          'time',
          'datacontenttype',
          'sequence',
          'prevhash',
          'hash',
          'data',
        ]),
      );
    }
  });
});
