// Every reason code the policy or the service can emit is documented (rego/README.md).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCode, reasonText, serviceReasonCodes } from '../../src/policy/reasons.js';
import { repoRoot } from './helpers.js';

function regoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? regoFiles(join(dir, e.name))
      : e.name.endsWith('.rego') && !e.name.endsWith('_test.rego')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('reason codes', () => {
  const readme = readFileSync(join(repoRoot, 'rego/README.md'), 'utf8');
  const policyCodes = new Set(
    regoFiles(join(repoRoot, 'rego')).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/reason\("([a-z_]+)"/g)].map((m) => m[1]!),
    ),
  );

  it('finds the codes the token endpoint depends on', () => {
    for (const c of [
      'unknown_target',
      'actor_not_allowed',
      'client_not_allowed',
      'scope_not_allowed',
      'dpop_required',
    ]) {
      expect(policyCodes).toContain(c);
    }
  });

  it.each([...policyCodes, ...serviceReasonCodes])('%s is documented in rego/README.md', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it('reads object and string reasons', () => {
    expect(reasonCode({ code: 'a', message: 'b' })).toBe('a');
    expect(reasonText({ code: 'a', message: 'b' })).toBe('b');
    expect(reasonCode('legacy')).toBe('legacy');
    expect(reasonText('legacy')).toBe('legacy');
  });
});
