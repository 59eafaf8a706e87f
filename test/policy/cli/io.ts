/** Runs `mandate policy …` in-process with captured output. */
import { run } from '../../../src/policy/cli/index.js';

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export async function policy(
  argv: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    env: opts.env ?? {},
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: async () => opts.stdin ?? '',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
