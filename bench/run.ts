/**
 * `npm run bench`: every benchmark in sequence, each in its own process so that none warms or loads
 * the machine for the next. Results are printed; bench/README.md records them with date and machine.
 *   npm run bench                 # policy, audit, exchange, exchange-audit, rate-limit
 *   npm run bench -- exchange     # only the named ones
 *   npm run bench -- commit-cost  # not in the default set: needs valgrind, takes minutes
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['policy', 'audit-events', 'audit', 'exchange', 'exchange-audit', 'rate-limit'];
const known = [...all, 'commit-cost', 'verify', 'open-loop', 'dpop'];
const chosen = process.argv.slice(2).filter((a) => a !== '--');
const names = chosen.length > 0 ? chosen : all;

for (const name of names) {
  if (!known.includes(name)) {
    process.stderr.write(`unknown benchmark '${name}' (one of: ${known.join(', ')})\n`);
    process.exit(2);
  }
  process.stdout.write(`\n=== bench/${name}.ts (${new Date().toISOString()})\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
