/**
 * docs/guarantees.md cites, for each guarantee, the tests that prove it: every cited test file
 * exists and holds the cited test title (or table-row name), every requirement id in bold is one of
 * test/requirements.ts, and no row is without a proof.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requirements } from './requirements.js';

const doc = readFileSync('docs/guarantees.md', 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| Guarantee') && !l.startsWith('| ---'));
const proofOf = (row: string) => row.split(' | ').at(-1) ?? '';

const cited = rows.flatMap((row) =>
  [...proofOf(row).matchAll(/`([^`]+\.test\.ts)` › "([^"]+)"/g)].map((m) => [m[1]!, m[2]!] as const),
);
const ids = rows.flatMap((row) => [...proofOf(row).matchAll(/\*\*([A-Z0-9-]+)\*\*/g)].map((m) => m[1]!));

describe('docs/guarantees.md', () => {
  it('gives every guarantee a proof: a cited test or a requirement id', () => {
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows)
      expect(proofOf(row), row.slice(0, 80)).toMatch(/\.test\.ts` › "|\*\*[A-Z0-9-]+\*\*/);
  });

  it.each(cited)('cites %s › %s, which exists', (file, title) => {
    expect(existsSync(file), file).toBe(true);
    expect(readFileSync(file, 'utf8'), `${file} has no test '${title}'`).toContain(title);
  });

  it.each(ids)('names requirement %s, which test/requirements.ts lists', (id) => {
    expect(requirements.map((r) => r.id)).toContain(id);
  });
});
