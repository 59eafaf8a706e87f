/**
 * The image's start command as the image runs it, without an engine: the Dockerfile's last stage
 * laid out under a folder (test/docker/layout.ts), `CMD` started as the non-root `node` user (uid
 * 1000) with only the image's ENV (no MANDATE_CONFIG, no DATABASE_URL: embedded defaults), then
 * the HEALTHCHECK command run against it. PORT is set as `docker run -e PORT=…` would, so that the
 * test never takes 8080 on a shared machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/service.js';
import { buildLayout, NODE_USER, owners, type ImageLayout } from './layout.js';

const asRoot = process.getuid?.() === 0;
let layout: ImageLayout;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mandate-image-'));
  layout = buildLayout(root);
}, 240_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function run(argv: string[], env: Record<string, string>) {
  return spawn(argv[0]!, argv.slice(1), {
    cwd: join(root, layout.workdir),
    env: { PATH: process.env.PATH ?? '', ...layout.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(asRoot ? NODE_USER : {}),
  });
}

function healthcheck(port: number): number | null {
  return spawnSync(layout.healthcheck![0]!, layout.healthcheck!.slice(1), {
    cwd: join(root, layout.workdir),
    env: { PATH: process.env.PATH ?? '', ...layout.env, PORT: String(port) },
    ...(asRoot ? NODE_USER : {}),
    timeout: 30_000,
  }).status;
}

describe('the image', () => {
  it('runs as the node user, listens on all interfaces, keeps its state in the data volume', () => {
    expect(layout.user).toBe('node');
    expect(layout.env.HOST).toBe('0.0.0.0');
    expect(layout.volumes).toEqual(['/app/data']);
    expect(layout.env.MANDATE_DATA_DIR).toBe(join(root, '/app/data'));
    expect(statSync(layout.env.MANDATE_DATA_DIR!).uid).toBe(NODE_USER.uid);
    // Only the data folder is the node user's: the code and the bundle stay root's.
    expect(statSync(join(root, 'app/dist/main.js')).uid).toBe(0);
    expect(layout.healthcheck).toBeDefined();
  });

  it('starts with no configuration as the non-root user, answers its health check, stops on SIGTERM', async () => {
    const port = await freePort();
    expect(healthcheck(port)).not.toBe(0);
    const proc = run(layout.cmd, { PORT: String(port) });
    const logs: string[] = [];
    proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 150_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}:\n${logs.join('')}`);
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) throw new Error(`not ready after 150 s:\n${logs.join('')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(healthcheck(port)).toBe(0);
      const meta = (await (
        await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)
      ).json()) as { issuer: string };
      expect(meta.issuer).toBe(`http://localhost:${port}`);
      // Embedded Postgres and the generated key-encryption key, written by the node user.
      const written = owners(layout.env.MANDATE_DATA_DIR!);
      expect(written.length).toBeGreaterThan(0);
      if (asRoot) expect(written.filter((f) => f.uid !== NODE_USER.uid)).toEqual([]);
      // Every line is JSON, the development IdP's warnings too; no demo clients (no examples/).
      const lines = logs
        .join('')
        .split('\n')
        .filter((l) => l !== '');
      for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
      const parsed = lines.map((l) => JSON.parse(l) as { msg: string; file?: string; source?: string });
      expect(parsed.some((l) => l.source === 'oidc-provider')).toBe(true);
      expect(parsed.find((l) => l.msg.startsWith('config: clients'))?.file).toBe('(none)');
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  }, 240_000);
});
