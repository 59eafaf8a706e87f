// `mandate <command>` as a real process: no or an unknown command is the usage with exit 2; a
// known command runs with the rest of the arguments and exits with its status; a command that
// fails outright is one line naming it, exit 1.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './policy/helpers.js';

function mandate(...args: string[]) {
  return mandateWith({}, ...args);
}

function mandateWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'src/cli.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', MANDATE_CONFIG: '', MANDATE_DATA_DIR: tempDir(), ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mandate', () => {
  it('prints the usage with every command and exits 2 without a known one', () => {
    for (const argv of [[], ['nope'], ['--help']]) {
      const r = mandate(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toBe('usage: mandate <keys|audit|policy|connectors> …\n');
      expect(r.out).toBe('');
    }
  }, 60_000);

  it('hands the rest of the arguments to the command and exits with its status', () => {
    const usage = mandate('policy');
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/^usage:\n {2}mandate policy build /);
    const missing = mandate('policy', 'check', join(tempDir(), 'missing.tar.gz'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^mandate policy check: ENOENT/);
  }, 60_000);

  it('reports a command that fails outright in one line naming it, exit 1', () => {
    const r = mandateWith({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' }, 'audit', 'verify');
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe(
      'mandate audit: cannot connect to Postgres at postgres://nobody@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1',
    );
  }, 60_000);
});
