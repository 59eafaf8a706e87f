/**
 * The database decorators (metrics and tracing) hand every statement on as they got it: a named
 * statement stays named (the audit group commit is a prepared statement, outbox-write.ts).
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';
import { instrumentDb } from '../../src/ops/instrument.js';
import { traceDb } from '../../src/ops/trace-ports.js';
import type { Db, QueryOptions } from '../../src/store/db.js';

function recordingDb(seen: (QueryOptions | undefined)[]): Db {
  return {
    kind: 'postgres',
    query: async (_sql, _params, opts) => {
      seen.push(opts);
      return { rows: [], rowCount: 0 };
    },
    exec: async () => undefined,
    tx: async (fn) => fn({ query: async () => ({ rows: [], rowCount: 0 }), exec: async () => undefined }),
    probe: async () => ({ state: 'writable', detail: '' }),
    listen: async () => async () => undefined,
    close: async () => undefined,
  };
}

describe('database decorators', () => {
  it('pass the statement name on', async () => {
    const seen: (QueryOptions | undefined)[] = [];
    const db = traceDb(instrumentDb(recordingDb(seen), createMetrics()));
    await db.query('SELECT 1', [], { name: 'mandate_audit_commit' });
    await db.query('SELECT 2');
    expect(seen).toEqual([{ name: 'mandate_audit_commit' }, undefined]);
  });
});
