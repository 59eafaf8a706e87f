/**
 * Every reason code the DPoP code can produce is documented in DPOP_REASONS, and every documented
 * code is produced somewhere: a new refusal without documentation, or a stale entry, fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DPOP_REASONS } from '../../src/dpop/reasons.js';

const folder = join(import.meta.dirname, '../../src/dpop');
const sources = readdirSync(folder)
  .map((file) => join(folder, file))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('reasons.ts'));

function producedReasons(): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /invalidProof\(\s*'([a-z_]+)'/g,
    /reason: '([a-z_]+)'/g,
    /refuse\(\s*'[a-z_]+',\s*'([a-z_]+)'/g,
    /refusal\(\s*req,\s*'[a-z_]+',\s*'([a-z_]+)'/g,
    /decodeObject\(\s*\w+,\s*'([a-z_]+)'/g,
  ];
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.add(match[1] as string);
  }
  return found;
}

describe('DPoP reason codes', () => {
  it('documents every produced reason and produces every documented one', () => {
    const produced = [...producedReasons()].sort();
    expect(produced).toEqual(Object.keys(DPOP_REASONS).sort());
  });
});
