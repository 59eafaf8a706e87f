// rego/README.md "Builtins" says exactly what a policy may call with the pinned OPA and opa-wasm.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, builtinsMarkdown } from '../../../src/policy/builtins/doc.js';
import { opaWasmBuiltinNames, providedBuiltinNames } from '../../../src/policy/builtins/index.js';
import { nativeBuiltins } from '../../../src/policy/native-builtins.js';
import { opaBin, repoRoot } from '../helpers.js';

describe('builtins documentation', () => {
  it('rego/README.md lists what OPA compiles in, what opa-wasm and Mandate provide (npx tsx scripts/policy-builtins-doc.ts)', async () => {
    const text = readFileSync(join(repoRoot, 'rego/README.md'), 'utf8');
    const section = text.slice(text.indexOf(BEGIN), text.indexOf(END) + END.length);
    expect(section).toBe(builtinsMarkdown(await nativeBuiltins(opaBin())));
  }, 120_000);

  it("opa-wasm's own builtins are those its package implements", () => {
    const require = createRequire(import.meta.url);
    const impl = require(
      join(repoRoot, 'node_modules/@open-policy-agent/opa-wasm/src/builtins/index.js'),
    ) as Record<string, unknown>;
    expect(Object.keys(impl).sort()).toEqual([...opaWasmBuiltinNames].sort());
    for (const n of opaWasmBuiltinNames) expect(providedBuiltinNames.has(n)).toBe(true);
  });
});
