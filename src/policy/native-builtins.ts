/**
 * Which builtins the pinned OPA compiles into a WebAssembly module itself: one call of every
 * builtin `opa capabilities` lists is compiled, and whatever the module does not import from the
 * host is compiled in. Used to document what a policy may call (rego/README.md "Builtins").
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseBundle } from './bundle.js';
import { readFile } from 'node:fs/promises';
import { findOpa, opa } from './opa-cli.js';
import { importedBuiltins } from './wasm-builtins.js';

interface Capabilities {
  builtins: { name: string; deprecated?: boolean; decl: { type: string; args?: unknown[] } }[];
}

// Not callable as a value: unification, assignment, print, and OPA's internal helpers.
const notValues = new Set(['eq', 'assign', 'print']);

export async function nativeBuiltins(opaBin = findOpa()): Promise<string[]> {
  const caps = JSON.parse((await opa(opaBin, ['capabilities', '--current'])).stdout) as Capabilities;
  const names = caps.builtins
    .filter((b) => !b.deprecated && !notValues.has(b.name) && !b.name.startsWith('internal.'))
    .filter((b) => b.decl.type === 'function')
    .map((b) => ({ name: b.name, arity: b.decl.args?.length ?? 0 }));
  const dir = await mkdtemp(join(tmpdir(), 'mandate-builtins-'));
  try {
    const rules = names.map(
      (b, i) => `r${i} := ${b.name}(${Array.from({ length: b.arity }, (_, j) => `input.a${j}`).join(', ')})`,
    );
    await writeFile(join(dir, 'probe.rego'), `package probe\n\n${rules.join('\n')}\n`);
    const entrypoints = names.flatMap((_, i) => ['-e', `probe/r${i}`]);
    await opa(opaBin, ['build', '-b', '-t', 'wasm', ...entrypoints, '-o', 'probe.tar.gz', '.'], dir);
    const bundle = await parseBundle(await readFile(join(dir, 'probe.tar.gz')));
    // Instantiated without builtins: nothing is evaluated, only the imports are read.
    const policy = (await loadPolicy(bundle.wasm)) as unknown as {
      wasmInstance: { exports: unknown };
      mem: { buffer: ArrayBuffer };
    };
    const imported = new Set(importedBuiltins(policy.wasmInstance.exports, policy.mem));
    return names
      .map((b) => b.name)
      .filter((n) => !imported.has(n))
      .sort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
