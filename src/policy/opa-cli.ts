/**
 * The OPA CLI, for those who build policy (`mandate policy build`) and for the tests: an explicit
 * path, else the pinned one scripts/install-opa.sh puts in .tools/bin, else `opa` on PATH. The
 * service itself never needs it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../store/package-root.js';

const run = promisify(execFile);

export function findOpa(explicit?: string): string {
  if (explicit !== undefined) return explicit;
  const pinned = join(packageRoot(), '.tools', 'bin', 'opa');
  return existsSync(pinned) ? pinned : 'opa';
}

export interface OpaRun {
  stdout: string;
  stderr: string;
}

/** Runs the OPA CLI; rejects with OPA's own message (stderr) when it fails or cannot be started. */
export async function opa(bin: string, args: string[], cwd?: string): Promise<OpaRun> {
  try {
    const { stdout, stderr } = await run(bin, args, {
      ...(cwd === undefined ? {} : { cwd }),
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, OPA_TELEMETRY: 'off' },
    });
    return { stdout, stderr };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new Error(
        `the OPA CLI (${bin}) is not installed: run \`npm run opa:install\` or put opa on PATH (only building policy needs it)`,
      );
    throw new Error((err.stderr ?? '').trim() || err.message);
  }
}
