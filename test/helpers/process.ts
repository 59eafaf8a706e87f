/**
 * A real Mandate process (`node --import tsx src/main.ts`) for tests that need one: signals,
 * shutdown, exit status. Its configuration file is the test one (helpers/service.ts); what it logs
 * on stderr is kept. `kill()` at the end of a test (afterAll) never leaves it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIdp, type TestIdp } from './idp.js';
import { freePort, testConfigFile } from './service.js';
import { repoRoot } from './exchange.js';

export interface MandateProcess {
  url: string;
  tokenEndpoint: string;
  idp: TestIdp;
  proc: ChildProcess;
  /** stderr lines (JSON log lines and anything else). */
  logs: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  remove(): Promise<void>;
}

export async function spawnMandate(opts: {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Downstream connectors for the configuration file (`connectors`, ADR 0013). */
  connectors?: Record<string, unknown>[];
}): Promise<MandateProcess> {
  const idp = await createTestIdp();
  const dataDir = await mkdtemp(join(tmpdir(), 'mandate-proc-'));
  const configPath = join(dataDir, 'mandate.json');
  const file = testConfigFile(idp, opts.connectors === undefined ? {} : { connectors: opts.connectors });
  await writeFile(configPath, JSON.stringify(file));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      MANDATE_ISSUER: url,
      DATABASE_URL: opts.databaseUrl,
      MANDATE_CONFIG: configPath,
      MANDATE_DATA_DIR: dataDir,
      MANDATE_LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  const logs: string[] = [];
  let partial = '';
  proc.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const m: MandateProcess = {
    url,
    tokenEndpoint: `${url}/token`,
    idp,
    proc,
    logs,
    exited,
    kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    async remove() {
      m.kill('SIGKILL');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mandate exited with ${proc.exitCode}:\n${logs.join('\n')}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return m;
    if (Date.now() > deadline) {
      await m.remove();
      throw new Error(`mandate did not become ready:\n${logs.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pids of the workers whose request log lines name `route` (which workers answered it). */
export function answeringPids(proc: MandateProcess, route: string): Set<number> {
  const pids = new Set<number>();
  for (const line of proc.logs) {
    try {
      const l = JSON.parse(line) as { msg?: string; route?: string; pid?: number };
      if (l.msg === 'request' && l.route === route && l.pid !== undefined) pids.add(l.pid);
    } catch {
      // not JSON
    }
  }
  return pids;
}

/**
 * Waits until `n` processes have logged that they listen (each cluster worker logs it once), so
 * that connections opened afterwards can reach every worker: the cluster's primary hands new
 * connections only to workers already listening, and /readyz answers once the first one is.
 */
export async function waitForListening(proc: MandateProcess, n: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = new Set<number>();
    for (const line of proc.logs) {
      try {
        const l = JSON.parse(line) as { msg?: string; pid?: number };
        if (l.msg === 'Mandate is listening' && l.pid !== undefined) pids.add(l.pid);
      } catch {
        // not JSON
      }
    }
    if (pids.size >= n) return;
    if (Date.now() > deadline)
      throw new Error(`only ${pids.size} of ${n} processes listening after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
