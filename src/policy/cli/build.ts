/**
 * `mandate policy build DIR [-o FILE] [--revision R | --content-revision] [--signing-key KEY.pem
 * [--signing-alg ALG] [--key-id ID]] [--entrypoint PATH] [--opa PATH] [--verify-against FILE]`
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseBundle } from '../bundle.js';
import { buildPolicy, writeBundle } from '../build.js';
import { sameBundleContent } from '../pack.js';
import { describeReport } from './check.js';
import type { PolicyCliIo } from './io.js';
import { UsageError } from './io.js';

export const BUILD_USAGE =
  'mandate policy build DIR [-o FILE] [--revision R | --content-revision] [--signing-key KEY.pem [--signing-alg ALG] [--key-id ID]] [--entrypoint PATH] [--opa PATH] [--verify-against FILE]';

export async function buildCommand(argv: string[], io: PolicyCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'bundle.tar.gz' },
      revision: { type: 'string' },
      'content-revision': { type: 'boolean', default: false },
      'signing-key': { type: 'string' },
      'signing-alg': { type: 'string' },
      'key-id': { type: 'string' },
      entrypoint: { type: 'string' },
      opa: { type: 'string' },
      'verify-against': { type: 'string' },
    },
    strict: true,
  });
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0) throw new UsageError('build takes one policy folder');
  if (values.revision !== undefined && values['content-revision'])
    throw new UsageError('--revision and --content-revision exclude each other');
  if (values['signing-key'] === undefined && (values['signing-alg'] ?? values['key-id']) !== undefined)
    throw new UsageError('--signing-alg and --key-id need --signing-key');

  const built = await buildPolicy({
    dir,
    contentRevision: values['content-revision'],
    ...(values.revision === undefined ? {} : { revision: values.revision }),
    ...(values['signing-key'] === undefined ? {} : { signingKeyPath: values['signing-key'] }),
    ...(values['signing-alg'] === undefined ? {} : { signingAlg: values['signing-alg'] }),
    ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
    ...(values.entrypoint === undefined ? {} : { entrypoint: values.entrypoint }),
    ...(values.opa === undefined ? {} : { opaPath: values.opa }),
  });
  if (!built.report.ok) {
    io.err(`mandate policy build: ${dir} does not make a bundle the service accepts:`);
    for (const p of built.report.problems) io.err(`  ${p}`);
    return 1;
  }

  const against = values['verify-against'];
  if (against !== undefined) return verifyAgainst(against, built.bytes, dir, io);

  await writeBundle(values.output, built.bytes);
  io.out(
    `${values.output}: ${describeReport(built.report)}${built.publicKeyPem === undefined ? '' : ', signed'}`,
  );
  return 0;
}

/** Exit 0 when FILE holds exactly the bundle just built (the tar, byte for byte), else 1 and why. */
async function verifyAgainst(file: string, fresh: Buffer, dir: string, io: PolicyCliIo): Promise<number> {
  const shipped = await readFile(file);
  if (await sameBundleContent(shipped, fresh).catch(() => false)) {
    io.out(
      `${file} is what ${dir} builds (revision ${JSON.stringify((await parseBundle(fresh)).manifest.revision)})`,
    );
    return 0;
  }
  const [a, b] = await Promise.all([parseBundle(shipped), parseBundle(fresh)]);
  const names = [...new Set([...a.files.keys(), ...b.files.keys()])].sort();
  const differ = names.filter((n) => {
    const x = a.files.get(n);
    const y = b.files.get(n);
    return x === undefined || y === undefined || !x.equals(y);
  });
  io.err(
    differ.length === 0
      ? `${file} holds the files ${dir} builds, but was not packed by mandate policy build`
      : `${file} is not what ${dir} builds now; files that differ: ${differ.join(', ')}`,
  );
  return 1;
}
