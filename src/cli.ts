#!/usr/bin/env node
/**
 * `mandate <command>`: operational commands. Each command lives beside the component it operates
 * (keys/cli.ts, keys/connectors-cli.ts, audit/cli.ts, policy/cli/index.ts) and exports `run(argv): Promise<number>` (the exit status).
 */
const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  keys: () => import('./keys/cli.js'),
  audit: () => import('./audit/cli.js'),
  policy: () => import('./policy/cli/index.js'),
  connectors: () => import('./keys/connectors-cli.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : commands[name];
if (load === undefined) {
  process.stderr.write(`usage: mandate <${Object.keys(commands).join('|')}> …\n`);
  process.exit(2);
}
load()
  .then((m) => m.run(rest))
  .then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`mandate ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
