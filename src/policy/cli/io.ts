import type { CliIo } from '../../cli-io.js';

/** What a `mandate policy` command reads and writes: a command's, and stdin. */
export interface PolicyCliIo extends CliIo {
  /** Reads stdin (for `-` as a file name). */
  stdin(): Promise<string>;
}

export const processIo: PolicyCliIo = {
  env: process.env,
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Bad usage: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
