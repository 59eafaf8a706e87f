/**
 * docker-compose.yml and docker-compose.demo.yml as a real compose implementation reads them
 * (`docker-compose config`, Debian's package; no engine needed). Required in CI (.ci/run installs
 * it), skipped only on a developer machine without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/exchange.js';

const COMPOSE = '/usr/bin/docker-compose';
const secrets = { POSTGRES_PASSWORD: 'pg-pw-0001', NATS_PASSWORD: 'nats-pw-0002', MANDATE_KEK: 'kek-0003' };

const dir = mkdtempSync(join(tmpdir(), 'mandate-compose-'));
const emptyEnv = join(dir, 'empty.env');
writeFileSync(emptyEnv, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(
  files: string[],
  env: Record<string, string>,
  envFile = emptyEnv,
): { status: number | null; out: string; err: string } {
  // An env file of the test's own: never a developer's .env beside the compose file.
  const r = spawnSync(COMPOSE, ['--env-file', envFile, ...files.flatMap((f) => ['-f', f]), 'config'], {
    cwd: repoRoot,
    // Only what is given, never the shell's variables.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe.runIf(existsSync(COMPOSE) || process.env.CI === 'true')('docker-compose config', () => {
  // docker-compose takes seconds a call on a loaded machine: two calls, not one per secret.
  it('refuses to run without the secrets, naming the missing one', () => {
    const none = config(['docker-compose.yml'], {});
    expect(none.status).not.toBe(0);
    expect(none.err).toContain('set POSTGRES_PASSWORD (see the top of docker-compose.yml)');
    const noKek = config(['docker-compose.yml'], { ...secrets, MANDATE_KEK: '' });
    expect(noKek.status).not.toBe(0);
    expect(noKek.err).toContain('set MANDATE_KEK to 32 random bytes');
  }, 150_000);

  it('the shipped file: NATS requires a user and password and Mandate uses them; only 8080 published; no demo clients', () => {
    const r = config(['docker-compose.yml'], secrets);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/- --user\n\s+- mandate\n\s+- --pass\n\s+- nats-pw-0002\n/);
    expect(r.out).toContain('NATS_URL: nats://mandate:nats-pw-0002@nats:4222');
    expect(r.out).toContain('DATABASE_URL: postgres://mandate:pg-pw-0001@postgres:5432/mandate');
    expect(r.out).toContain('MANDATE_KEK: kek-0003');
    expect(r.out.match(/published: (\d+)/g)).toEqual(['published: 8080']);
    expect(r.out).not.toContain('4222:4222');
    expect(r.out).not.toContain('MANDATE_CONFIG');
    expect(r.out).not.toContain('examples/mandate.json');
  }, 120_000);

  it('the demo override adds the demo clients and NATS on localhost only', () => {
    const r = config(['docker-compose.yml', 'docker-compose.demo.yml'], secrets);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toContain('MANDATE_CONFIG: /etc/mandate/mandate.json');
    expect(r.out).toContain('/examples/mandate.json:/etc/mandate/mandate.json:ro');
    expect(r.out).toContain('127.0.0.1:4222:4222');
  }, 120_000);

  it('runs with the .env that docs/operations.md writes', () => {
    const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    const block = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .find((b) => b.includes('> .env'));
    const write = block!.slice(0, block!.indexOf('> .env') + '> .env'.length);
    const r = spawnSync('bash', ['-c', write], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const written = readFileSync(join(dir, '.env'), 'utf8');
    expect(written).toMatch(
      /^POSTGRES_PASSWORD=[\w-]{43}\nNATS_PASSWORD=[\w-]{43}\nMANDATE_KEK=[\w-]{43}\n$/,
    );
    const c = config(['docker-compose.yml'], {}, join(dir, '.env'));
    expect(c.err).toBe('');
    expect(c.status).toBe(0);
  }, 120_000);
});
