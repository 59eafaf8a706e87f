/**
 * Regenerates the "Builtins" section of rego/README.md: compiles one call of every builtin the
 * pinned OPA knows (`opa capabilities`) into a WebAssembly module, reads which of them the module
 * imports from the host, and lists the rest as compiled in. Usage: npx tsx scripts/policy-builtins-doc.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BEGIN, END, builtinsMarkdown } from '../src/policy/builtins/doc.js';
import { nativeBuiltins } from '../src/policy/native-builtins.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = join(root, 'rego/README.md');
const text = readFileSync(readme, 'utf8');
const start = text.indexOf(BEGIN);
const end = text.indexOf(END);
if (start < 0 || end < start) throw new Error(`rego/README.md has no generated builtins section`);
const next = text.slice(0, start) + builtinsMarkdown(await nativeBuiltins()) + text.slice(end + END.length);
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write(
      'rego/README.md builtins section is out of date: npx tsx scripts/policy-builtins-doc.ts\n',
    );
    process.exit(1);
  }
} else writeFileSync(readme, next);
