// Mandate's host builtins against OPA's own (Go, non-WebAssembly) evaluation: the same Rego, the
// same input, evaluated by `opa eval` and by the policy's WebAssembly module with Mandate's
// builtins, must give the same result for every case, errors (undefined) included.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../../src/policy/bundle.js';
import { createEvaluator } from '../../../src/policy/evaluator.js';
import { opaBin, tempDir } from '../helpers.js';
import { otherCases, timeCases } from './opa-parity-cases.js';

let opaResults: Record<string, unknown>;
let wasmResults: Record<string, unknown>;
const cases = [...timeCases, ...otherCases];

beforeAll(async () => {
  const dir = tempDir('mandate-parity-');
  const src = join(dir, 'src');
  mkdirSync(join(src, 'parity'), { recursive: true });
  const rules = cases.map(([name, ...args], i) => {
    const params = args.map((_, j) => `input.c${i}[${j}]`).join(', ');
    // The low 12 digits show a nanosecond result exactly, beyond what a double holds.
    const exact = /_ns$|add_date/.test(name)
      ? `\nout["${i}x"] := x % 1000000000000 if { x := ${name}(${params}) }`
      : '';
    return `out["${i}"] := x if { x := ${name}(${params}) }${exact}`;
  });
  writeFileSync(join(src, 'parity/parity.rego'), `package parity\n\n${rules.join('\n')}\n`);
  const input = JSON.stringify(Object.fromEntries(cases.map(([, ...args], i) => [`c${i}`, args])));
  writeFileSync(join(dir, 'input.json'), input);
  const opa = opaBin();
  // OPA's local zone is UTC here, as Mandate's parse of zone abbreviations assumes.
  const env = { ...process.env, TZ: 'UTC' };
  const out = execFileSync(
    opa,
    ['eval', '--format', 'json', '-d', join(src, 'parity'), '-i', join(dir, 'input.json'), 'data.parity.out'],
    { env, maxBuffer: 64 << 20 },
  );
  opaResults = (
    JSON.parse(out.toString()) as { result: { expressions: { value: Record<string, unknown> }[] }[] }
  ).result[0]!.expressions[0]!.value;
  const bundle = join(dir, 'parity.tar.gz');
  execFileSync(opa, ['build', '-b', '-t', 'wasm', '-e', 'parity/out', '-o', bundle, '.'], { cwd: src, env });
  const evaluator = await createEvaluator(await parseBundle(readFileSync(bundle)), 'parity/out');
  wasmResults = evaluator.evaluate(JSON.parse(input) as object) as Record<string, unknown>;
}, 120_000);

describe('host builtins give what OPA gives', () => {
  it.each(cases.map((c, i) => [i, c[0], JSON.stringify(c.slice(1))] as const))('case %i: %s(%s)', (i) => {
    expect({ value: wasmResults[String(i)], exact: wasmResults[`${i}x`] }).toEqual({
      value: opaResults[String(i)],
      exact: opaResults[`${i}x`],
    });
  });

  it('covers every builtin Mandate adds but time.now_ns (from input.now, tested on its own)', async () => {
    const { mandateBuiltins } = await import('../../../src/policy/builtins/index.js');
    const names = Object.keys(mandateBuiltins({ now: undefined })).filter((n) => n !== 'time.now_ns');
    expect(names.filter((n) => !cases.some(([c]) => c === n))).toEqual([]);
  });
});
