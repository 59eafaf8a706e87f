import { describe, expect, it } from 'vitest';
import { createNoopAudit } from '../../src/audit/noop.js';
import { exchangeEntry } from './fixtures.js';

describe('createNoopAudit', () => {
  it('commits at once and keeps nothing, any number of times, also after close', async () => {
    const audit = createNoopAudit();
    const entry = exchangeEntry({ allow: true });
    const before = JSON.stringify(entry);
    await expect(audit.commit(entry)).resolves.toBeUndefined();
    await expect(Promise.all([audit.commit(entry), audit.commit(entry)])).resolves.toEqual([
      undefined,
      undefined,
    ]);
    // It does not touch the entry (a real port seals a copy, never the caller's object).
    expect(JSON.stringify(entry)).toBe(before);
    await expect(audit.close()).resolves.toBeUndefined();
    await expect(audit.commit(entry)).resolves.toBeUndefined();
    // Each call builds a new port: no state is shared between them.
    expect(createNoopAudit()).not.toBe(audit);
  });
});
