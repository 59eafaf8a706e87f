/**
 * docs/audit.md's list of refusal reasons is generated from the catalogue (src/oauth/refusals.ts)
 * and must not drift from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, refusalReference, withSection } from '../../src/oauth/refusals-doc.js';
import { REFUSALS } from '../../src/oauth/refusals.js';
import { repoRoot } from '../helpers/exchange.js';

const audit = () => readFileSync(join(repoRoot, 'docs/audit.md'), 'utf8');

describe('docs/audit.md refusal reasons', () => {
  it('is the generated section (regenerate: npx tsx src/oauth/refusals-doc.ts --write)', () => {
    const doc = audit();
    expect(doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length)).toBe(refusalReference());
  });

  it('lists every catalogued reason with its wire errors', () => {
    const section = refusalReference();
    for (const [reason, r] of Object.entries(REFUSALS))
      expect(section).toContain(`| \`${reason}\` | ${r.errors.map((e) => `\`${e}\``).join(', ')} |`);
  });

  it('replaces only the section between the markers, and refuses a document without them', () => {
    const doc = `head\n${BEGIN}\nold\n${END}\ntail\n`;
    expect(withSection(doc, 'new')).toBe('head\nnew\ntail\n');
    expect(() => withSection('no markers', 'new')).toThrow(/markers/);
  });
});
