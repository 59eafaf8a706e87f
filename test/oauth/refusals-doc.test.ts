/**
 * docs/audit.md's list of refusal reasons is generated from the catalogue (src/oauth/refusals.ts)
 * and must not drift from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, refusalReference, row, withSection } from '../../src/oauth/refusals-doc.js';
import { REFUSALS } from '../../src/oauth/refusals.js';
import { repoRoot } from '../helpers/exchange.js';

const audit = () => readFileSync(join(repoRoot, 'docs/audit.md'), 'utf8');

describe('docs/audit.md refusal reasons', () => {
  it('is the generated section (regenerate: npx tsx src/oauth/refusals-doc.ts --write)', () => {
    const doc = audit();
    expect(doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length)).toBe(refusalReference());
  });

  it('lists every catalogued reason with its wire error', () => {
    const section = refusalReference();
    for (const [reason, r] of Object.entries(REFUSALS)) {
      expect(section).toContain(row(reason, r));
      expect(row(reason, r)).toMatch(new RegExp(`^\\| \`${reason}\` \\| \`${r.error}\`( \\||, )`));
    }
  });

  it('gives a reason sent two ways both errors, and why in its meaning', () => {
    expect(row('dpop_required', REFUSALS.dpop_required)).toBe(
      `| \`dpop_required\` | \`invalid_request\`, \`invalid_grant\` | ${REFUSALS.dpop_required.meaning}; \`invalid_grant\` ${REFUSALS.dpop_required.alsoSentAs.why} |`,
    );
  });

  it('replaces only the section between the markers, and refuses a document without them', () => {
    const doc = `head\n${BEGIN}\nold\n${END}\ntail\n`;
    expect(withSection(doc, 'new')).toBe('head\nnew\ntail\n');
    expect(() => withSection('no markers', 'new')).toThrow(/markers/);
  });
});
