/**
 * `mandate policy check`: loads a bundle exactly as the service does (load.ts), which refuses it
 * when it needs a builtin nobody provides, then decides its sample inputs with the service's own
 * decision function and checks every result against the decision contract.
 */
import { createMemoryLogger } from '../log.js';
import { createDecide } from './decide.js';
import { BundleRefusedError, loadBundle, sha256Hex } from './load.js';
import type { BundleInfo, LoadOptions, LoadedBundle } from './load.js';
import { parseSample, sampleProblem, samplesIn } from './samples.js';

export interface SampleResult {
  name: string;
  allow?: boolean;
  /** Undefined when the sample passed. */
  problem?: string;
}

export interface CheckReport {
  ok: boolean;
  info: BundleInfo;
  entrypoint: string;
  /** Host builtins the module uses (all provided when ok). */
  builtins: string[];
  samples: SampleResult[];
  /** What makes the bundle fail the check, first the reason it would be refused. */
  problems: string[];
}

export function checkSamples(loaded: LoadedBundle, entrypoint: string): SampleResult[] {
  const decide = createDecide({
    entrypoint,
    current: () => loaded,
    now: Date.now,
    log: createMemoryLogger(),
  });
  const results: SampleResult[] = [];
  for (const [name, content] of [...samplesIn(loaded.bundle.files)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sample = parseSample(content);
    if (typeof sample === 'string') {
      results.push({ name, problem: sample });
      continue;
    }
    const d = decide(sample.input as Parameters<typeof decide>[0]);
    const problem = sampleProblem(sample, d);
    results.push({ name, allow: d.allow, ...(problem === undefined ? {} : { problem }) });
  }
  return results;
}

export async function checkBundle(bytes: Buffer, opts: LoadOptions): Promise<CheckReport> {
  let loaded: LoadedBundle;
  try {
    loaded = await loadBundle(bytes, opts);
  } catch (e) {
    const refused = e instanceof BundleRefusedError ? e : undefined;
    return {
      ok: false,
      info: { revision: refused?.revision ?? '', digest: refused?.digest ?? sha256Hex(bytes) },
      entrypoint: opts.entrypoint,
      builtins: [],
      samples: [],
      problems: [`the service would refuse this bundle: ${(e as Error).message}`],
    };
  }
  const samples = checkSamples(loaded, opts.entrypoint);
  const problems = samples
    .filter((s) => s.problem !== undefined)
    .map((s) => `sample ${s.name}: ${s.problem}`);
  return {
    ok: problems.length === 0,
    info: loaded.info,
    entrypoint: opts.entrypoint,
    builtins: [...loaded.evaluator.builtins],
    samples,
    problems,
  };
}
