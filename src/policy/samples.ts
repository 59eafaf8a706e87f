/**
 * Sample decisions a bundle carries (`samples/<name>.json`, added by `mandate policy build` from
 * the policy folder's samples/): an input, and optionally what the decision must be. `mandate
 * policy check` decides each with the service's own engine and checks the result against the
 * decision contract and the expectation.
 */
import { z } from 'zod';
import { decisionInputSchema } from './contract.js';
import type { Decision } from './contract.js';
import { reasonCode } from './reasons.js';

export const SAMPLES_DIR = 'samples';

export const sampleSchema = z
  .object({
    input: z.unknown(),
    expect: z
      .object({
        allow: z.boolean().optional(),
        scopes: z.array(z.string()).optional(),
        ttl_seconds: z.number().int().nonnegative().optional(),
        /** Reason codes, in order. */
        reasons: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Sample = z.infer<typeof sampleSchema>;

/** The bundle's sample files, by name (without `samples/` and `.json`). */
export function samplesIn(files: ReadonlyMap<string, Buffer>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, content] of files) {
    const m = /^samples\/([^/]+)\.json$/.exec(name);
    if (m !== null) out.set(m[1] as string, content);
  }
  return out;
}

/** Parses a sample file; a string says what is wrong with it. */
export function parseSample(content: Buffer): Sample | string {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const s = sampleSchema.safeParse(json);
  if (!s.success) return `not a sample ({"input": …, "expect"?: …}): ${s.error.issues[0]?.message ?? ''}`;
  const input = decisionInputSchema.safeParse(s.data.input);
  if (!input.success) {
    const i = input.error.issues[0];
    return `input is outside the decision contract: ${i?.path.join('.') || '(root)'}: ${i?.message ?? ''}`;
  }
  return s.data;
}

const policyFailures = new Set(['policy_error', 'policy_result_invalid']);

/** What is wrong with a sample's decision (a policy failure, or an unmet expectation), if anything. */
export function sampleProblem(sample: Sample, d: Decision): string | undefined {
  const failure = d.reasons.find((r) => policyFailures.has(reasonCode(r)));
  if (failure !== undefined)
    return typeof failure === 'string' ? failure : `${failure.code}: ${failure.message}`;
  const want = sample.expect;
  if (want === undefined) return undefined;
  const got = {
    allow: d.allow,
    scopes: d.scopes,
    ttl_seconds: d.ttl_seconds,
    reasons: d.reasons.map(reasonCode),
  };
  const diffs: string[] = [];
  for (const key of ['allow', 'scopes', 'ttl_seconds', 'reasons'] as const) {
    if (want[key] !== undefined && JSON.stringify(want[key]) !== JSON.stringify(got[key]))
      diffs.push(`${key} ${JSON.stringify(got[key])}, expected ${JSON.stringify(want[key])}`);
  }
  return diffs.length === 0 ? undefined : diffs.join('; ');
}
