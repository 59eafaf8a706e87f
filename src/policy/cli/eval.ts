/**
 * `mandate policy eval BUNDLE INPUT.json [--verification-key PEM] [--entrypoint PATH]`: one
 * decision by the service's own engine (contract checks, invariants, fail closed). INPUT `-` is
 * stdin. Exit 0 when the policy decided (allow or deny), 1 when it failed or the input is invalid.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createMemoryLogger } from '../../log.js';
import { DEFAULT_ENTRYPOINT } from '../contract.js';
import type { DecisionInput } from '../contract.js';
import { createDecide } from '../decide.js';
import { loadBundle } from '../load.js';
import { reasonCode } from '../reasons.js';
import { registryOf, verificationKey } from './check.js';
import type { PolicyCliIo } from './io.js';
import { UsageError } from './io.js';

export const EVAL_USAGE =
  'mandate policy eval BUNDLE INPUT.json|- [--verification-key PEM] [--entrypoint PATH]';

const failures = new Set(['invalid_input', 'policy_error', 'policy_result_invalid']);

export async function evalCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'verification-key': { type: 'string' },
      entrypoint: { type: 'string', default: DEFAULT_ENTRYPOINT },
    },
    strict: true,
  });
  const [file, inputFile, ...extra] = positionals;
  if (file === undefined || inputFile === undefined || extra.length > 0)
    throw new UsageError('eval takes a bundle file and an input file');
  const text = inputFile === '-' ? await io.stdin() : await readFile(inputFile, 'utf8');
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${inputFile} is not JSON: ${(e as Error).message}`);
  }
  const loaded = await loadBundle(await readFile(file), {
    entrypoint: values.entrypoint,
    verificationKey: await verificationKey(values['verification-key'], io.env),
    registry: registryOf(io),
  });
  const log = createMemoryLogger();
  const d = createDecide({ entrypoint: values.entrypoint, current: () => loaded, now: Date.now, log })(
    input as DecisionInput,
  );
  io.out(
    JSON.stringify(
      {
        allow: d.allow,
        scopes: d.scopes,
        ttl_seconds: d.ttl_seconds,
        reasons: d.reasons,
        obligations: d.obligations,
        result: d.result ?? null,
        bundle: d.bundle,
      },
      null,
      2,
    ),
  );
  return d.reasons.some((r) => failures.has(reasonCode(r))) ? 1 : 0;
}
