import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requirements } from './requirements.js';

describe('spec traceability (test/requirements.ts)', () => {
  it('gives every requirement a unique id, a source and at least one test', () => {
    expect(new Set(requirements.map((r) => r.id)).size).toBe(requirements.length);
    for (const r of requirements) {
      expect(r.source, r.id).toMatch(/^(https:\/\/|shared\/)/);
      expect(r.tests.length, r.id).toBeGreaterThan(0);
    }
  });

  it.each(requirements.flatMap((r) => r.tests.map((c) => [r.id, c.file, c.test] as const)))(
    '%s is cited by %s',
    (_id, file, title) => {
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8'), `${file} has no test '${title}'`).toContain(title);
    },
  );
});
