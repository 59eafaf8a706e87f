// The README's "Changing policy" commands, run as written in a scratch checkout (the repository's
// folders linked in): build, sign, check, and start Mandate on the signed bundle.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/service.js';
import { repoRoot, tempDir } from './helpers.js';

function readmeCommands(): string[] {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = text.indexOf('<!-- policy-commands');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(start));
  if (start < 0 || block === null) throw new Error('README.md has no policy-commands block');
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '');
}

const checkout = tempDir('mandate-readme-');
for (const f of [
  'src',
  'packages',
  'node_modules',
  'rego',
  'bundles',
  'scripts',
  'examples',
  '.tools',
  'package.json',
])
  symlinkSync(join(repoRoot, f), join(checkout, f));
for (const f of ['tsconfig.json', 'tsconfig.build.json']) copyFileSync(join(repoRoot, f), join(checkout, f));

let server: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  if (server?.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
});

describe('README: changing policy', () => {
  const commands = readmeCommands();

  it('lists build, sign, check and start', () => {
    expect(commands.some((c) => c.includes('policy build') && c.includes('--signing-key'))).toBe(true);
    expect(commands.at(-1)).toMatch(/^MANDATE_POLICY_BUNDLE=\S+ MANDATE_POLICY_PUBLIC_KEY=\S+ npm start$/);
  });

  it('every command but the last runs as written', () => {
    for (const command of commands.slice(0, -1)) {
      const r = spawnSync('bash', ['-c', command], { cwd: checkout, encoding: 'utf8', timeout: 180_000 });
      expect({ command, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({
        command,
        status: 0,
        stderr: '',
      });
    }
  }, 600_000);

  it('the last starts Mandate on the signed bundle', async () => {
    const port = await freePort();
    server = spawn('bash', ['-c', commands.at(-1)!], {
      cwd: checkout,
      env: { ...process.env, PORT: String(port), MANDATE_DATA_DIR: join(checkout, 'data') },
      detached: true,
      stdio: 'ignore',
    });
    const deadline = Date.now() + 400_000;
    let policy: Record<string, unknown> | undefined;
    while (Date.now() < deadline && policy === undefined) {
      await new Promise((r) => setTimeout(r, 1000));
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (res?.status === 200)
        policy = ((await res.json()) as { checks: { policy: Record<string, unknown> } }).checks.policy;
    }
    expect(policy).toMatchObject({ ok: true, signed: true, source: join(checkout, 'my-policy.tar.gz') });
  }, 420_000);
});
