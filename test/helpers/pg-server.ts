/**
 * A throwaway PostgreSQL server owned by one test, built from Debian's binaries
 * (/usr/lib/postgresql/15/bin, override with MANDATE_TEST_PG_BIN) on a free port in a temporary
 * folder, so that a test can freeze it (SIGSTOP), kill it, or run a primary with a streaming standby
 * and promote it, without touching the shared server. As root (CI), the server runs as the
 * `postgres` user, since initdb and postgres refuse to run as root.
 *
 * Every server a test starts is remembered; `stopAllPgServers()` (afterAll) thaws and stops them
 * even when the test failed half-way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './service.js';

const BIN = process.env.MANDATE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const ids = runAs();
  return new Promise((resolve, reject) => {
    const p = spawn(join(BIN, cmd), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${out}`));
    });
  });
}

/** Pids of `pid` and all its descendants (the postmaster and its backends). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

export interface PgServer {
  port: number;
  dir: string;
  /** A connection URL for `database` (default `postgres`) as user postgres. */
  url(database?: string): string;
  /** Runs SQL as the superuser on `database` (default `postgres`). */
  sql<R = Record<string, unknown>>(text: string, database?: string): Promise<R[]>;
  /** SIGSTOP the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): void;
  /** SIGCONT, in reverse order. */
  thaw(): void;
  /** `pg_ctl stop` (`immediate` is a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  promote(): Promise<void>;
  /** Stops (thawing first) and removes the data folder. */
  remove(): Promise<void>;
}

export interface PgServerOptions {
  /** Extra `postgresql.conf` settings, e.g. `{ synchronous_standby_names: "'*'" }`. */
  conf?: Record<string, string>;
  /** Create this server as a streaming standby of that one (pg_basebackup -R). */
  standbyOf?: { host: string; port: number };
}

const started = new Set<PgServer>();

// Last resort when a test times out before its afterAll could clean up: the worker is exiting, so
// stop (synchronously) whatever is still running and remove its folder.
process.once('exit', () => {
  for (const s of started) {
    try {
      s.thaw();
      execFileSync(join(BIN, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', join(s.dir, 'data')], {
        stdio: 'ignore',
        timeout: 10_000,
        ...(runAs() ?? {}),
      });
    } catch {
      // Not running.
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
});

export async function startPgServer(opts: PgServerOptions = {}): Promise<PgServer> {
  const dir = await mkdtemp(join(tmpdir(), 'mandate-pg-'));
  const data = join(dir, 'data');
  const ids = runAs();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const port = await freePort();
  if (opts.standbyOf === undefined) {
    await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  } else {
    await run('pg_basebackup', [
      '-h',
      opts.standbyOf.host,
      '-p',
      String(opts.standbyOf.port),
      '-U',
      'postgres',
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
  }
  const conf: Record<string, string> = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: "''",
    fsync: 'off',
    full_page_writes: 'off',
    max_connections: '60',
    shared_buffers: "'16MB'",
    wal_level: 'replica',
    max_wal_senders: '5',
    hot_standby: 'on',
    wal_receiver_status_interval: "'1s'",
    log_min_messages: 'warning',
    ...opts.conf,
  };
  // A standby's copy of postgresql.conf has the primary's port: the last setting wins.
  await appendFile(
    join(data, 'postgresql.conf'),
    '\n' +
      Object.entries(conf)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n') +
      '\n',
  );
  if (ids) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
  let pid: number | undefined;
  let frozen: number[] = [];

  const server: PgServer = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async sql<R>(text: string, database = 'postgres') {
      const client = new pg.Client({
        connectionString: server.url(database),
        connectionTimeoutMillis: 5_000,
      });
      await client.connect();
      try {
        return (await client.query(text)).rows as R[];
      } finally {
        await client.end();
      }
    },
    freeze() {
      if (pid === undefined) throw new Error('not running');
      // The postmaster first, so that it forks no new backend while the others are stopped.
      frozen = processTree(pid);
      for (const p of frozen) process.kill(p, 'SIGSTOP');
    },
    thaw() {
      for (const p of [...frozen].reverse()) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // Gone already.
        }
      }
      frozen = [];
    },
    async start() {
      await run('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log')]);
      pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    },
    async stop(mode = 'fast') {
      server.thaw();
      if (pid === undefined) return;
      await run('pg_ctl', ['stop', '-w', '-t', '60', '-m', mode, '-D', data]).catch(() => undefined);
      pid = undefined;
    },
    async promote() {
      await run('pg_ctl', ['promote', '-w', '-t', '60', '-D', data]);
    },
    async remove() {
      started.delete(server);
      await server.stop('immediate');
      await rm(dir, { recursive: true, force: true });
    },
  };
  started.add(server);
  await server.start();
  return server;
}

/** Thaws, stops and removes every server this test file started. */
export async function stopAllPgServers(): Promise<void> {
  for (const s of [...started]) await s.remove().catch(() => undefined);
}
