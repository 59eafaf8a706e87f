/**
 * A real HTTP server that is not the code under test: Debian's nginx (`apt-get install
 * nginx-light`), run as this test's own process on a free port with a temporary configuration. It
 * serves the files of `root` under /bundles/ as a bundle server would (ETag, If-None-Match → 304),
 * requires a bearer token there when one is given, and logs each request's conditional, Prefer and
 * Authorization headers so that a test can see what the client sent.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface LoggedRequest {
  path: string;
  status: number;
  if_none_match: string;
  prefer: string;
  authorization: string;
}

export interface TestNginx {
  /** Base URL: files of `root` are at `${url}/bundles/<name>`. */
  url: string;
  root: string;
  /** Requests served so far, oldest first. */
  requests(): LoggedRequest[];
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startNginx(opts: { bearerToken?: string } = {}): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-nginx-'));
  const root = join(dir, 'root');
  const port = await freePort();
  const log = join(dir, 'access.log');
  const auth =
    opts.bearerToken === undefined
      ? ''
      : `if ($http_authorization != "Bearer ${opts.bearerToken}") { return 401; }`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  log_format probe escape=json '{"path":"$uri","status":$status,"if_none_match":"$http_if_none_match","prefer":"$http_prefer","authorization":"$http_authorization"}';
  access_log ${log} probe;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  types { application/gzip gz; }
  server {
    listen 127.0.0.1:${port};
    location /bundles/ {
      ${auth}
      alias ${root}/;
    }
  }
}
`,
  );
  mkdirSync(root);
  mkdirSync(join(dir, 'tmp'));
  let proc: ChildProcess | undefined;
  const server: TestNginx = {
    url: `http://127.0.0.1:${port}`,
    root,
    requests: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as LoggedRequest)
        : [],
    async start() {
      if (proc) return;
      const p = spawn(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
      proc = p;
      const deadline = Date.now() + 15_000;
      while (!(await reachable(port))) {
        if (p.exitCode !== null)
          throw new Error(`nginx exited with ${p.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
        if (Date.now() > deadline) throw new Error('nginx did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
