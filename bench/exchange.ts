/**
 * Token-exchange throughput: starts Mandate as a child process exactly as a user would (src/main.ts
 * with environment variables, a fresh Postgres database per run, the compiled default policy) and
 * drives it with autocannon, 50 connections, for each worker count and each scenario:
 *   (a) repeated: the same subject token in every request;
 *   (b) fresh: a different subject token in every request (pre-minted pool, rotated per request).
 * Beside it, the floor (bench/floor.ts): the node:crypto cost of the signatures one exchange needs.
 *
 *   npx tsx bench/exchange.ts                       # 1 and 2 workers, 20 s per scenario
 *   BENCH_DURATION=30 BENCH_WORKERS=2 npx tsx bench/exchange.ts
 *   BENCH_PROFILE=1 npx tsx bench/exchange.ts       # also a --cpu-prof run (1 worker), summarized
 *   BENCH_LOADGEN=wrk BENCH_PIN=1 BENCH_WORKERS=1 BENCH_SCENARIOS=fresh npx tsx bench/exchange.ts
 *                                                   # the side-by-side harness's "pinned" mode
 *   BENCH_LOADGEN=wrk BENCH_SCENARIOS=fresh,dpop,introspect,introspect-drained npx tsx bench/exchange.ts
 *                                                   # DPoP (proofs signed before the run) and
 *                                                   # introspection before/after the relay caught up
 *
 * Needs Postgres at 127.0.0.1:5432 (MANDATE_TEST_PG_ADMIN_URL overrides), like the tests. The load
 * generator runs on the same machine and competes for the same cores: figures are end to end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK } from 'jose';
import { createTestIdp, type TestIdp } from '../test/helpers/idp.js';
import { verifyPostgres } from '../src/audit/verify.js';
import { createTestDatabase } from '../test/helpers/pg.js';
import { freePort } from '../test/helpers/service.js';
import { formatFloor, measureFloor } from './floor.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonRequest {
  body?: string;
  [k: string]: unknown;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const POOL = Number(process.env.BENCH_POOL ?? 60_000);
/** `autocannon` (in this process, the default) or `wrk` (a child process, as ../shared/perf uses). */
const LOADGEN = process.env.BENCH_LOADGEN ?? 'autocannon';
/** 1: Mandate on CPU 1, the load generator on CPU 0 (Postgres floats): the harness's pinned mode. */
const PIN = process.env.BENCH_PIN === '1';
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'repeated,fresh,dpop').split(',');
const SECRET = 'bench-salesforce-mcp-secret-0123456789abcdef';
export const BASIC = `Basic ${Buffer.from(`mcp-salesforce:${SECRET}`).toString('base64')}`;
const MCP = 'https://mcp.salesforce.example/mcp';

interface Running {
  url: string;
  child: ChildProcess;
  /** Its database's name: Postgres backends are counted by it. */
  database: string;
  /** Events committed and not yet delivered by the relay (the outbox's last sequence minus the mark). */
  relayBacklog(): Promise<number>;
  stop(): Promise<void>;
}

export async function startMandate(
  idp: TestIdp,
  workers: number,
  extraNodeArgs: string[] = [],
): Promise<Running> {
  const db = await createTestDatabase({ migrate: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
  const port = await freePort();
  const configPath = join(dataDir, 'mandate.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      clients: [
        {
          client_id: 'mcp-salesforce',
          token_endpoint_auth_method: 'client_secret_basic',
          client_secret: SECRET,
          audiences: [MCP],
        },
      ],
      issuers: [{ issuer: idp.issuer, jwks: idp.jwks, algorithms: ['ES256'] }],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const argv = [process.execPath, ...extraNodeArgs, '--import', 'tsx', 'src/main.ts'];
  const [cmd, ...args] = PIN ? ['taskset', '-c', '1', ...argv] : argv;
  const child = spawn(cmd!, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MANDATE_ISSUER: url,
      DATABASE_URL: db.url,
      MANDATE_CONFIG: configPath,
      MANDATE_DATA_DIR: dataDir,
      // One KEK for every worker, so they do not race to generate one.
      MANDATE_KEK: randomBytes(32).toString('base64url'),
      MANDATE_WORKERS: String(workers),
      MANDATE_LOG_LEVEL: 'warn',
      // The load is one client at thousands of requests a second, past the default budget
      // (3000/1m per client): off unless BENCH_RATE_LIMIT_TOKEN sets a rule, e.g. 900000000/1m to
      // count every request as the side-by-side harness's runs do (MANDATE_RATE_LIMIT_TOKEN there).
      MANDATE_RATE_LIMIT_TOKEN: process.env.BENCH_RATE_LIMIT_TOKEN ?? 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mandate exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('mandate did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    database: new URL(db.url).pathname.slice(1),
    async relayBacklog() {
      const r = await db.db.query<{ backlog: string | null }>(
        `SELECT (SELECT max(sequence) FROM outbox) - coalesce((SELECT max(sequence) FROM audit_relay), 0) AS backlog`,
      );
      return Number(r.rows[0]?.backlog ?? 0);
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // Cluster workers are the primary's children; give them a moment to go.
      await new Promise((r) => setTimeout(r, 300));
      // Issue 12: the chain verifies after every run (a broken one fails the benchmark).
      const chain = await verifyPostgres(db.db);
      process.stderr.write(`audit chain: ${chain.ok ? 'verified' : 'BROKEN'}, ${chain.checked} events\n`);
      if (!chain.ok) throw new Error(`audit chain does not verify: ${JSON.stringify(chain)}`);
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pre-mints subject tokens with node:crypto (each with its own sub and jti). */
export function mintPool(idp: TestIdp & { privateKey: KeyObject }, n: number): string[] {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'idp-es256', typ: 'at+jwt' })).toString(
    'base64url',
  );
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const claims = {
      iss: idp.issuer,
      sub: `user-${i}`,
      aud: MCP,
      client_id: 'claude-desktop',
      groups: ['sales'],
      scope: 'crm.read crm.write',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(input), { key: idp.privateKey, dsaEncoding: 'ieee-p1363' });
    bodies.push(exchangeBody(`${input}.${sig.toString('base64url')}`));
  }
  return bodies;
}

function exchangeBody(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    resource: 'https://api.salesforce.example',
    scope: 'crm.read',
  }).toString();
}

/** CPU seconds used so far by the Mandate process tree, Postgres, this process, and the machine. */
interface CpuSnapshot {
  mandate: number;
  postgres: number;
  loadGenerator: number;
  machineBusy: number;
  machineTotal: number;
}

const TICK = 100; // USER_HZ on Linux

function procStat(pid: string): { comm: string; cmd: string; ppid: number; cpu: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const f = raw.slice(close + 2).split(' ');
    const cmd = comm === 'postgres' ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') : '';
    return { comm, cmd, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK };
  } catch {
    return undefined;
  }
}

/**
 * Postgres counts only the backends serving Mandate's database (their command line names it), as
 * ../shared/perf/drive.mjs does: on a shared machine, other sessions' backends are not Mandate's.
 * A backend that exits during the run loses its CPU from the sum (the pool keeps its connections).
 */
function cpuSnapshot(mandatePid: number, database: string): CpuSnapshot {
  const procs = new Map<number, { comm: string; cmd: string; ppid: number; cpu: number }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const st = procStat(pid);
    if (st) procs.set(Number(pid), st);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, i = 0; p !== undefined && p > 1 && i < 10; i++) {
      if (p === mandatePid) return true;
      p = procs.get(p)?.ppid;
    }
    return false;
  };
  let mandate = 0;
  let postgres = 0;
  for (const [pid, st] of procs) {
    if (inTree(pid)) mandate += st.cpu;
    else if (st.comm === 'postgres' && st.cmd.includes(` ${database} `)) postgres += st.cpu;
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((x, y) => x + y, 0);
  const self = process.cpuUsage();
  // Reaped children: wrk, when it is the load generator (Mandate is reaped only after the runs).
  const sf = readFileSync('/proc/self/stat', 'utf8');
  const own = sf.slice(sf.lastIndexOf(')') + 2).split(' ');
  const children = (Number(own[13]) + Number(own[14])) / TICK;
  return {
    mandate,
    postgres,
    loadGenerator: (self.user + self.system) / 1e6 + children,
    machineBusy: (total - idle) / TICK,
    machineTotal: total / TICK,
  };
}

function cpuPerRequest(a: CpuSnapshot, b: CpuSnapshot, requests: number): string {
  const us = (x: number) => Math.round((x * 1e6) / Math.max(requests, 1));
  const mandate = b.mandate - a.mandate;
  const postgres = b.postgres - a.postgres;
  const gen = b.loadGenerator - a.loadGenerator;
  const busy = b.machineBusy - a.machineBusy;
  const other = busy - mandate - postgres - gen;
  const wall = b.machineTotal - a.machineTotal;
  return (
    `CPU µs/request: mandate ${us(mandate)}, postgres ${us(postgres)}, load generator ${us(gen)}, ` +
    `other processes ${us(other)}; machine busy ${Math.round((100 * busy) / wall)} %`
  );
}

interface Row {
  workers: number;
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  non2xx: number;
  cpu: string;
}

/** A DPoP proof factory (RFC 9449 §4.2) for the token endpoint: one key, a fresh jti per proof. */
function dpopProofs(url: string): () => string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = Buffer.from(
    JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }),
  ).toString('base64url');
  return () => {
    const claims = {
      jti: randomUUID(),
      htm: 'POST',
      htu: `${url}/token`,
      iat: Math.floor(Date.now() / 1000),
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${sig.toString('base64url')}`;
  };
}

/**
 * wrk's request script: the bodies of WRK_BODIES in rotation, and one JSON line at the end. A line
 * may carry a DPoP proof after a tab, sent as the request's DPoP header (wrk.format replaces the
 * -H headers when given its own, so they are copied first).
 */
const WRK_SCRIPT = `
local bodies, proofs, i = {}, {}, 0
for line in io.lines(os.getenv("WRK_BODIES")) do
  local body, proof = line:match("^([^\t]*)\t(.*)$")
  bodies[#bodies + 1] = body or line
  proofs[#proofs + 1] = proof or false
end
function request()
  i = i % #bodies + 1
  if not proofs[i] then return wrk.format("POST", nil, nil, bodies[i]) end
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["DPoP"] = proofs[i]
  return wrk.format("POST", nil, h, bodies[i])
end
function done(s, latency)
  local e = s.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"errors":%d,"timeouts":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\\n',
    s.requests, s.duration, e.connect + e.read + e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * Proofs signed before a wrk run, one per request it can send (wrk cannot sign): each has its own
 * jti and an iat of now, inside the token endpoint's 60 s window for runs shorter than that. A run
 * that outlasts the pool sends proofs again, which Mandate refuses as replays (counted non-2xx).
 */
function presigned(bodies: string[], proof: () => string, duration: number): string[] {
  const n = Math.min(bodies.length, Math.ceil(duration * WRK_PROOFS_PER_SECOND));
  return bodies.slice(0, n).map((b) => `${b}\t${proof()}`);
}

/** Proofs signed per second of a wrk DPoP run: above any rate one machine of this kind reaches. */
const WRK_PROOFS_PER_SECOND = 4000;

/** The same run with wrk (one thread) in a child process: what ../shared/perf/drive.mjs does. */
async function loadWrk(
  url: string,
  bodies: string[],
  duration: number,
  path = '/token',
): Promise<AutocannonResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-wrk-'));
  try {
    writeFileSync(join(dir, 'bodies.txt'), bodies.join('\n') + '\n');
    writeFileSync(join(dir, 'rotate.lua'), WRK_SCRIPT);
    const argv = [
      'wrk',
      '-t1',
      `-c${CONNECTIONS}`,
      `-d${duration}s`,
      '--timeout',
      '10s',
      '-s',
      join(dir, 'rotate.lua'),
    ];
    argv.push(
      '-H',
      'content-type: application/x-www-form-urlencoded',
      '-H',
      `authorization: ${BASIC}`,
      `${url}${path}`,
    );
    const [cmd, ...args] = PIN ? ['taskset', '-c', '0', ...argv] : argv;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(cmd!, args, { env: { ...process.env, WRK_BODIES: join(dir, 'bodies.txt') } });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('exit', () => resolve(text));
    });
    const line = out.split('\n').find((l) => l.startsWith('BENCHJSON '));
    if (line === undefined) throw new Error(`wrk failed: ${out.slice(-400)}`);
    const r = JSON.parse(line.slice(10)) as Record<string, number>;
    const secs = r.duration_us! / 1e6;
    return {
      requests: { average: r.requests! / secs, total: r.requests! },
      latency: { p50: r.p50_us! / 1000, p90: 0, p99: r.p99_us! / 1000, max: 0, average: 0 },
      errors: r.errors!,
      timeouts: r.timeouts!,
      non2xx: r.non2xx!,
      duration: secs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function load(
  url: string,
  bodies: string[],
  title: string,
  duration = DURATION,
  proof?: () => string,
): Promise<AutocannonResult> {
  // wrk cannot sign a DPoP proof per request: it sends proofs signed before the run.
  if (LOADGEN === 'wrk')
    return loadWrk(url, proof === undefined ? bodies : presigned(bodies, proof, duration), duration);
  let i = 0;
  return autocannon({
    url: `${url}/token`,
    connections: CONNECTIONS,
    duration,
    title,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
        setupRequest: (req: AutocannonRequest) => {
          req.body = bodies[i++ % bodies.length];
          if (proof !== undefined)
            req.headers = { ...(req.headers as Record<string, string>), dpop: proof() };
          return req;
        },
      },
    ],
  });
}

export async function check(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
    body,
  });
  if (res.status !== 200)
    throw new Error(`exchange failed before the run: ${res.status} ${await res.text()}`);
}

/** Self time per function and per area (package, src folder, GC, idle) from a .cpuprofile. */
export function summarizeProfile(path: string, top = 25): string {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }
  const prof = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[k] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const area = (url: string, fn: string): string => {
    if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (nm) return nm[1]!;
    const src = /\/(src|bench|test)\/(.+?)(?:\/[^/]+)?$/.exec(url);
    if (src) return `${src[1]}/${src[2]!.split('/')[0]}`;
    if (url.startsWith('node:') || url === '') return `node internals${url === '' ? ' (native)' : ''}`;
    return url;
  };
  const fnTotals = new Map<string, number>();
  const areaTotals = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(`file://${root}/`, '')}:${f.lineNumber + 1}`;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + t);
    const a = area(f.url, f.functionName);
    areaTotals.set(a, (areaTotals.get(a) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const lines = [`profile ${path}: ${(total / 1e6).toFixed(1)} s sampled`, '', 'self time by area:'];
  for (const [a, t] of [...areaTotals].sort((x, y) => y[1] - x[1]).slice(0, 15))
    lines.push(`  ${pct(t)}  ${a}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, t] of [...fnTotals].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`  ${pct(t)}  ${k}`);
  return lines.join('\n');
}

/**
 * Introspection (RFC 7662) of one access token under wrk, as ../shared/perf drives it: right after
 * the exchange scenarios ('introspect', while the relay may still be publishing their events), and
 * once the relay has caught up ('introspect-drained'), so the two show what the backlog costs.
 */
async function introspection(m: Running, body: string, workers: number): Promise<Row[]> {
  const rows: Row[] = [];
  const wanted = ['introspect', 'introspect-drained'].filter((k) => SCENARIOS.includes(k));
  if (wanted.length === 0) return rows;
  if (LOADGEN !== 'wrk') throw new Error('the introspection scenarios need BENCH_LOADGEN=wrk');
  const res = await fetch(`${m.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
    body,
  });
  const at = ((await res.json()) as { access_token?: string }).access_token;
  if (at === undefined) throw new Error(`no access token to introspect: ${res.status}`);
  const introspectBody = new URLSearchParams({ token: at }).toString();
  for (const key of wanted) {
    if (key === 'introspect-drained') {
      const t0 = Date.now();
      while ((await m.relayBacklog()) > 0 && Date.now() - t0 < 300_000)
        await new Promise((r) => setTimeout(r, 200));
      console.log(`relay caught up ${((Date.now() - t0) / 1000).toFixed(1)} s after the last scenario`);
    }
    // Warm-up as the harness's (JIT of the introspection path), not measured.
    await loadWrk(m.url, [introspectBody], WARMUP, '/introspect');
    const backlog = await m.relayBacklog();
    const scenario = `introspection${key === 'introspect' ? '' : ', relay caught up'} (backlog ${backlog} events at start)`;
    rows.push(
      await measured(m, workers, scenario, () => loadWrk(m.url, [introspectBody], DURATION, '/introspect')),
    );
  }
  return rows;
}

/** Runs `run` with Mandate's and Postgres's CPU counted around it; logs and returns its row. */
async function measured(
  m: Running,
  workers: number,
  scenario: string,
  run: () => Promise<AutocannonResult>,
): Promise<Row> {
  const before = cpuSnapshot(m.child.pid ?? -1, m.database);
  const r = await run();
  const cpu = cpuPerRequest(before, cpuSnapshot(m.child.pid ?? -1, m.database), r.requests.total);
  console.log(
    `workers=${workers} ${scenario}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
      `${r.requests.total} requests, errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}\n  ${cpu}`,
  );
  return {
    workers,
    scenario,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpu,
  };
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const idp = await createTestIdp();
  // The test IdP keeps its private key; re-create one we can sign with directly.
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const benchIdp = Object.assign(idp, {
    jwks: { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'idp-es256', alg: 'ES256', use: 'sig' }] },
    privateKey: ec.privateKey,
  });

  console.log(`# token exchange benchmark, ${started}`);
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, ${CONNECTIONS} connections, ${DURATION} s per scenario, ` +
      `load generator ${LOADGEN}${PIN ? ', pinned (load generator CPU 0, Mandate CPU 1)' : ''}`,
  );
  const t0 = Date.now();
  const fresh = mintPool(benchIdp, POOL);
  console.log(`minted ${POOL} distinct subject tokens in ${Date.now() - t0} ms`);
  const repeated = [fresh[0]!];

  const floor = measureFloor();
  console.log(formatFloor(floor));

  // autocannon runs in this process: pinned, all of its threads go to CPU 0 (after the floor, which
  // is measured on every core).
  if (PIN) execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
  const rows: Row[] = [];
  for (const workers of WORKERS) {
    const m = await startMandate(benchIdp, workers);
    try {
      await check(m.url, repeated[0]!);
      // Warm-up (JIT, WASM, connection pools), not measured.
      await load(m.url, fresh.slice(-5000), 'warm-up', WARMUP);
      console.log(
        `workers=${workers}: load average before the run ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      const scenarios = [
        ['repeated', 'repeated subject token', repeated, undefined],
        ['fresh', 'fresh subject tokens', fresh.slice(1), undefined],
        ['dpop', 'fresh subject tokens + DPoP proof', fresh.slice(1), dpopProofs(m.url)],
      ] as const;
      for (const [key, scenario, bodies, proof] of scenarios) {
        if (!SCENARIOS.includes(key)) continue;
        rows.push(await measured(m, workers, scenario, () => load(m.url, bodies, scenario, DURATION, proof)));
      }
      rows.push(...(await introspection(m, repeated[0]!, workers)));
    } finally {
      await m.stop();
    }
  }

  console.log(
    '\n| workers | scenario | req/s | p50 ms | p99 ms | requests | errors | non-2xx | measured / floor |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.workers} | ${r.scenario} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.errors} | ${r.non2xx} | ${(r.rps / floor.machine).toFixed(2)} |`,
    );
  console.log(
    `\nfloor: ${Math.round(floor.machine)} exchanges/s on ${floor.cores} cores (verify ${floor.verifyMicros.toFixed(1)} µs + sign ${floor.signMicros.toFixed(1)} µs per exchange)`,
  );

  if (process.env.BENCH_PROFILE === '1') {
    const profDir = mkdtempSync(join(tmpdir(), 'mandate-prof-'));
    const m = await startMandate(benchIdp, 1, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    let r: AutocannonResult;
    try {
      r = await load(m.url, fresh.slice(1), 'profile');
    } finally {
      await m.stop();
    }
    console.log(
      `\nprofiled run (1 worker, fresh tokens, --cpu-prof): ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms`,
    );
    for (const f of readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')))
      console.log(summarizeProfile(join(profDir, f)));
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  await main();
