/**
 * `mandate policy build|check|eval|replay` (rego/README.md "Commands"): the security team's workflow from
 * a policy folder to a bundle the service loads. Exit status 2 is bad usage.
 */
import { BUILD_USAGE, buildCommand } from './build.js';
import { CHECK_USAGE, checkCommand } from './check.js';
import { EVAL_USAGE, evalCommand } from './eval.js';
import type { PolicyCliIo } from './io.js';
import { processIo, UsageError } from './io.js';
import { REPLAY_USAGE, replayCommand } from './replay.js';

type Command = (argv: string[], io: PolicyCliIo) => Promise<number>;

const commands: Record<string, Command> = {
  build: buildCommand,
  check: checkCommand,
  eval: evalCommand,
  replay: replayCommand,
};

const USAGE = ['usage:', `  ${BUILD_USAGE}`, `  ${CHECK_USAGE}`, `  ${EVAL_USAGE}`, `  ${REPLAY_USAGE}`].join(
  '\n',
);

export async function run(argv: string[], io: PolicyCliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) {
    io.err(USAGE);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    const parseError =
      err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    if (err instanceof UsageError || parseError) {
      io.err(`mandate policy ${name}: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    io.err(`mandate policy ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
