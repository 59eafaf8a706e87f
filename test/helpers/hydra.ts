/**
 * Ory Hydra v2, the RFC 7523 authorization server no one here wrote, as its own process for a test:
 * built by scripts/install-hydra.sh into .tools/bin/hydra, on its own Postgres database (created and
 * migrated with `hydra migrate sql up`, dropped at the end), its public and admin ports in the
 * connectors' range (46000-46999). The admin API registers clients and jwt-bearer trust
 * relationships (`/admin/trust/grants/jwt-bearer/issuers`) and introspects the tokens it issued.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './exchange.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

export const HYDRA_BIN = join(repoRoot, '.tools/bin/hydra');
export const hydraAvailable = (): boolean => existsSync(HYDRA_BIN);

export interface Hydra {
  issuer: string;
  tokenEndpoint: string;
  admin: string;
  logs: string[];
  /** POST or PUT on the admin API; throws unless 2xx. */
  call(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>>;
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Two consecutive free ports in 46000-46999. */
export async function portPairInRange(): Promise<[number, number]> {
  for (;;) {
    const p = 46000 + 2 * Math.floor(Math.random() * 500);
    if ((await free(p)) && (await free(p + 1))) return [p, p + 1];
  }
}

async function ready(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`hydra exited with ${proc.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('hydra did not become ready');
}

export async function startHydra(): Promise<Hydra> {
  const db: TestDatabase = await createTestDatabase({ migrate: false });
  const dir = await mkdtemp(join(tmpdir(), 'mandate-hydra-'));
  const [pub, adm] = await portPairInRange();
  const issuer = `http://127.0.0.1:${pub}/`;
  const config = join(dir, 'hydra.json');
  const dsn = `${db.url}${db.url.includes('?') ? '&' : '?'}sslmode=disable`;
  await writeFile(
    config,
    JSON.stringify({
      dsn,
      serve: { public: { port: pub, host: '127.0.0.1' }, admin: { port: adm, host: '127.0.0.1' } },
      urls: { self: { issuer, public: issuer } },
      secrets: { system: ['mandate-connectors-test-system-secret'] },
      log: { level: 'warn' },
    }),
  );
  const migrated = spawnSync(HYDRA_BIN, ['migrate', 'sql', 'up', '-e', '--yes', '-c', config], {
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`hydra migrate failed: ${migrated.stderr}`);
  const proc = spawn(HYDRA_BIN, ['serve', 'all', '--dev', '--sqa-opt-out', '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  for (const s of [proc.stdout, proc.stderr]) s.on('data', (d: Buffer) => logs.push(d.toString('utf8')));
  const admin = `http://127.0.0.1:${adm}`;
  const close = async (): Promise<void> => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready(`${admin}/health/ready`, proc, 30_000);
  } catch (err) {
    await close();
    throw new Error(`${String(err)}\n${logs.join('')}`);
  }
  return {
    issuer,
    tokenEndpoint: `${issuer}oauth2/token`,
    admin,
    logs,
    async call(method, path, body) {
      const res = await fetch(`${admin}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`hydra ${method} ${path}: ${res.status} ${text}`);
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    },
    async introspect(token) {
      const res = await fetch(`${admin}/admin/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    close,
  };
}
