/** `mandate policy check BUNDLE [--verification-key PEM] [--entrypoint PATH] [--json]` */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadPolicyRegistry } from '../../config/index.js';
import { checkBundle } from '../check.js';
import type { CheckReport } from '../check.js';
import type { PolicyRegistry } from '../registry.js';
import { DEFAULT_ENTRYPOINT } from '../contract.js';
import type { PolicyCliIo } from './io.js';
import { UsageError } from './io.js';

export const CHECK_USAGE =
  'mandate policy check BUNDLE [--verification-key PEM] [--entrypoint PATH] [--json]';

export function describeReport(r: CheckReport): string {
  const samples =
    r.samples.length === 0
      ? 'no samples'
      : `${r.samples.filter((s) => !s.problem).length}/${r.samples.length} samples pass`;
  const builtins = r.builtins.length === 0 ? 'no host builtins' : `host builtins ${r.builtins.join(', ')}`;
  const registry = r.info.registry === undefined ? '' : `, registry sha256 ${r.info.registry}`;
  return `revision ${JSON.stringify(r.info.revision)}, sha256 ${r.info.digest}${registry}, entrypoint ${r.entrypoint}, ${builtins}, ${samples}`;
}

/**
 * The registry the service would overlay onto the bundle's data: the one of the configuration file
 * MANDATE_CONFIG names (ADR 0007), said on stderr; else none, and the bundle's own data decides.
 */
export function registryOf(io: PolicyCliIo): PolicyRegistry | undefined {
  let registry: PolicyRegistry | undefined;
  try {
    registry = loadPolicyRegistry(io.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`configuration error: ${e.message}`);
    throw e;
  }
  if (registry !== undefined) io.err(`registry: ${registry.source} (sha256 ${registry.digest})`);
  return registry;
}

/** The verification key the service would use: --verification-key, else MANDATE_POLICY_PUBLIC_KEY. */
export async function verificationKey(
  flag: string | undefined,
  env: PolicyCliIo['env'],
): Promise<string | undefined> {
  const path = flag ?? env.MANDATE_POLICY_PUBLIC_KEY;
  return path === undefined ? undefined : readFile(path, 'utf8');
}

export async function checkCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'verification-key': { type: 'string' },
      entrypoint: { type: 'string', default: DEFAULT_ENTRYPOINT },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('check takes one bundle file');
  const report = await checkBundle(await readFile(file), {
    entrypoint: values.entrypoint,
    verificationKey: await verificationKey(values['verification-key'], io.env),
    registry: registryOf(io),
  });
  if (values.json) io.out(JSON.stringify(report));
  else if (report.ok) io.out(`${file}: ok: ${describeReport(report)}`);
  else {
    io.err(`${file}: FAILED: ${describeReport(report)}`);
    for (const p of report.problems) io.err(`  ${p}`);
  }
  return report.ok ? 0 : 1;
}
