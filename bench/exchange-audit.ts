/**
 * Issue 3's benchmark: token-exchange throughput with the audit outbox and relay to NATS JetStream
 * versus an audit port that writes nowhere, in the same run, and the relay's publish rate and lag
 * under that load. Mandate runs in this process (so that the audit port can be swapped); the load
 * comes from autocannon in a child process, 50 connections.
 *
 *   npx tsx bench/exchange-audit.ts          (Postgres 127.0.0.1:5432, NATS_URL or nats://127.0.0.1:4222)
 *   BENCH_DURATION=20 npx tsx bench/exchange-audit.ts
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createNoopAudit } from '../src/audit/noop.js';
import { basic, form, MCP, SECRETS, startTestService } from '../test/helpers/service.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const STREAM = `BENCH_AUDIT_${process.pid}`;
const PREFIX = `bench${process.pid}`;
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface Result {
  mode: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  publishRate?: number;
  maxLag?: number;
  pendingAfter?: number;
}

async function run(mode: 'outbox + relay (JetStream)' | 'no-op audit port'): Promise<Result> {
  const svc = await startTestService({
    env: {
      NATS_URL,
      MANDATE_AUDIT_STREAM: STREAM,
      MANDATE_AUDIT_SUBJECT_PREFIX: PREFIX,
      MANDATE_LOG_LEVEL: 'error',
      MANDATE_RATE_LIMIT_TOKEN: 'off',
    },
    ...(mode === 'no-op audit port' ? { audit: createNoopAudit() } : {}),
  });
  try {
    const now = Math.floor(Date.now() / 1000);
    const subject = await svc.idp.mint(
      {
        iss: svc.idp.issuer,
        sub: 'alice',
        aud: MCP.salesforce,
        groups: ['sales'],
        scope: 'crm.read',
        iat: now,
        exp: now + 3600,
      },
      { typ: 'at+jwt' },
    );
    const body = form({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'https://api.salesforce.example',
      scope: 'crm.read',
    });
    const relay = async () =>
      (
        (await (await fetch(`${svc.url}/readyz`)).json()) as {
          audit_relay?: { lag_seconds: number; published_total: number; pending: number };
        }
      ).audit_relay;
    const before = await relay();
    let maxLag = 0;
    const sampler = setInterval(() => {
      void relay().then(
        (r) => (maxLag = Math.max(maxLag, r?.lag_seconds ?? 0)),
        () => undefined,
      );
    }, 250);
    const args = [
      '-c',
      '50',
      '-d',
      String(DURATION),
      '-m',
      'POST',
      '--json',
      '-H',
      'content-type=application/x-www-form-urlencoded',
      '-H',
      `authorization=${basic('mcp-salesforce', SECRETS.salesforce)}`,
      '-b',
      body,
      `${svc.url}/token`,
    ];
    const { stdout } = await promisify(execFile)(process.execPath, [autocannonBin, ...args], {
      maxBuffer: 1 << 24,
    });
    clearInterval(sampler);
    const r = JSON.parse(stdout) as {
      requests: { average: number };
      latency: { p50: number; p99: number };
      non2xx: number;
    };
    const after = await relay();
    return {
      mode,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      ...(after && before
        ? {
            publishRate: (after.published_total - before.published_total) / DURATION,
            maxLag,
            pendingAfter: after.pending,
          }
        : {}),
    };
  } finally {
    await svc.close();
  }
}

async function main(): Promise<void> {
  console.log(`# exchange with and without the audit outbox, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, 50 connections, ${DURATION} s per mode, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const rows = [await run('no-op audit port'), await run('outbox + relay (JetStream)')];
  const nc = await connect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(STREAM).catch(() => false);
  await nc.close();
  console.log('\n| audit | exchanges/s | p50 ms | p99 ms | non-2xx | relay events/s | max relay lag s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.mode} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.publishRate === undefined ? '—' : Math.round(r.publishRate)} | ${r.maxLag === undefined ? '—' : r.maxLag.toFixed(3)} |`,
    );
  const [noop, outbox] = rows as [Result, Result];
  console.log(
    `\naudit cost: ${(100 * (1 - outbox.rps / noop.rps)).toFixed(1)} % of exchange throughput (target < 25 %)`,
  );
}

await main();
