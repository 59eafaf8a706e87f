/**
 * Policy decision latency: in-process (opa-wasm through the decision service, with input
 * validation and invariants) against the same bundle's Rego served by `opa run --server` over
 * REST (POST /v1/data/mcp/authz/decision, keep-alive, sequential). Run: npx tsx bench/policy.ts
 * Results are recorded in bench/README.md, never asserted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryLogger } from '../src/log.js';
import { parseBundle } from '../src/policy/bundle.js';
import { buildPolicy, writeBundle } from '../src/policy/build.js';
import type { DecisionInput } from '../src/policy/contract.js';
import { createDecisionService } from '../src/policy/engine.js';
import { createEvaluator } from '../src/policy/evaluator.js';

const N = Number(process.env.BENCH_N ?? 50_000);
const WARMUP = 5_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
const bundlePath = join(work, 'bundle.tar.gz');
await writeBundle(bundlePath, (await buildPolicy({ dir: join(root, 'rego'), revision: 'bench' })).bytes);
const opa = execFileSync('bash', [join(root, 'scripts/install-opa.sh')])
  .toString()
  .trim();

const now = Math.floor(Date.now() / 1000);
const subject = { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: {}, exp: now + 3600 };
const client = { client_id: 'claude-desktop', trust: 'registered' as const };
const inputs: DecisionInput[] = [
  {
    action: 'token_exchange',
    now,
    subject,
    client,
    actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
    target: { audience: 'https://api.salesforce.example', resource: 'https://api.salesforce.example' },
    scopes: ['crm.read', 'crm.write'],
    context: {},
  },
  {
    action: 'token_exchange',
    now,
    subject: { ...subject, groups: ['hr'] },
    client,
    actor: { sub: 'mcp-workday', client_id: 'mcp-workday' },
    target: { resource: 'https://api.workday.example' },
    scopes: ['hr.records.read', 'hr.timeoff.read'],
    context: { dpop_jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', auth_time: now - 60 },
  },
  {
    action: 'authorize',
    now,
    subject,
    client,
    target: { resource: 'https://mcp.salesforce.example/mcp' },
    scopes: ['crm.read'],
    context: {},
  },
  {
    action: 'tool_call',
    now,
    subject,
    client,
    target: { resource: 'https://mcp.salesforce.example/mcp' },
    scopes: ['crm.read'],
    context: { tool: 'update_opportunity_stage' },
  },
];

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}
function stats(samples: Float64Array): Stats {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  let sum = 0;
  for (const v of samples) sum += v;
  return { p50: at(0.5), p99: at(0.99), mean: sum / samples.length };
}
const fmt = (s: Stats): string =>
  `p50 ${s.p50.toFixed(1)} µs  p99 ${s.p99.toFixed(1)} µs  mean ${s.mean.toFixed(1)} µs`;

function measureSync(fn: (i: number) => unknown): Stats {
  for (let i = 0; i < WARMUP; i++) fn(i);
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return stats(samples);
}

// In-process: the full decide() path, and the bare WASM evaluation for comparison.
const service = await createDecisionService({ bundlePath, log: createMemoryLogger() });
for (const i of inputs) {
  const d = service.decide(i);
  if (d.reasons.some((r) => typeof r !== 'string' && r.code === 'policy_error'))
    throw new Error('bench input fails');
}
const inproc = measureSync((i) => service.decide(inputs[i % inputs.length] as DecisionInput));
const evaluator = await createEvaluator(await parseBundle(readFileSync(bundlePath)), 'mcp/authz/decision');
const bare = measureSync((i) => evaluator.evaluate(inputs[i % inputs.length]!));
// The same four inputs, each with its own `now` (a second earlier per decision, the subject token
// still valid): no input repeats, so the evaluator's result cache never answers.
const distinct = Array.from({ length: N + WARMUP }, (_, i) => ({
  ...inputs[i % inputs.length]!,
  now: now - 1 - i,
}));
let k = 0;
const fresh = measureSync(() => service.decide(distinct[k++] as DecisionInput));
k = 0;
const freshBare = measureSync(() => evaluator.evaluate(distinct[k++]!));

// REST: the same Rego sources and data built as a plain (rego target) bundle: the CLI here has no
// WASM runtime, and a sidecar OPA evaluates Rego anyway. Decisions are checked to agree below.
const served = join(work, 'rego-bundle.tar.gz');
execFileSync(
  opa,
  ['build', '--bundle', '--ignore', '*_test.rego', '--ignore', 'testdata', '-o', served, '.'],
  {
    cwd: join(root, 'rego'),
    stdio: 'ignore',
  },
);

const port = await new Promise<number>((res) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => res(p));
  });
});
const proc = spawn(
  opa,
  ['run', '--server', '--log-level', 'error', '--addr', `127.0.0.1:${port}`, '-b', served],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const post = (body: string): Promise<string> =>
  new Promise((res, rej) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/data/mcp/authz/decision',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (text += c));
        r.on('end', () =>
          r.statusCode === 200 ? res(text) : rej(new Error(`opa ${r.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', rej);
    req.end(body);
  });

// Key order never matters; reasons are a Rego set, whose order OPA's Go evaluator and the WASM
// runtime choose differently, so they are compared as a set too.
const stable = (v: unknown): string =>
  JSON.stringify(v, (k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : k === 'reasons' && Array.isArray(x)
        ? x.map((r) => JSON.stringify(r)).sort()
        : x,
  );

let rest: Stats;
try {
  for (let tries = 0; ; tries++) {
    try {
      await post('{"input":{}}');
      break;
    } catch (e) {
      if (tries > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const bodies = inputs.map((input) => JSON.stringify({ input }));
  // Same answers as in-process, or the comparison is meaningless.
  for (const [i, b] of bodies.entries()) {
    const viaRest = (JSON.parse(await post(b)) as { result: unknown }).result;
    if (stable(viaRest) !== stable(evaluator.evaluate(inputs[i]!)))
      throw new Error(
        `REST and WASM disagree on input ${i}: ${stable(viaRest)} vs ${stable(evaluator.evaluate(inputs[i]!))}`,
      );
  }
  for (let i = 0; i < WARMUP; i++) await post(bodies[i % bodies.length] as string);
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    await post(bodies[i % bodies.length] as string);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  rest = stats(samples);
} finally {
  proc.kill();
  agent.destroy();
  await service.close();
}

const opaVersion = execFileSync(opa, ['version']).toString().split('\n')[0];
console.log(`policy decisions, N=${N} (warm-up ${WARMUP}), Node ${process.version}, ${opaVersion}`);
console.log(`in-process decide():      ${fmt(inproc)}`);
console.log(`  of which WASM eval:     ${fmt(bare)}`);
console.log(`decide(), no input twice: ${fmt(fresh)}`);
console.log(`  of which WASM eval:     ${fmt(freshBare)}`);
console.log(`opa run --server (REST):  ${fmt(rest)}`);
console.log(
  `ratio REST / in-process:  p50 ${(rest.p50 / inproc.p50).toFixed(1)}×  mean ${(rest.mean / inproc.mean).toFixed(1)}×`,
);
rmSync(work, { recursive: true, force: true });
