/**
 * What a DPoP proof (RFC 9449) costs the token endpoint besides its one signature verification, in
 * process CPU time, so that it can be measured on a loaded machine where wall-clock rates are noise
 * (issue 12: "DPoP-bound exchange within 15 % of the plain one"):
 *   proof:  the kit's verifier (an in-memory replay store, one client key) and one node:crypto ES256
 *           verification of the same signing input, in alternating rounds: what the verifier adds;
 *   replay: the Postgres replay store (src/store/replay-store.ts) alone, BENCH_CONCURRENCY records in
 *           flight (default 8: the token endpoint's group commits are small), CPU per record of this
 *           process and of the Postgres backends serving its database (from /proc, by name).
 * Proofs are made before a round starts, so signing them is not counted. Before/after a change: run
 * it on both trees, alternately.
 *
 *   npx tsx bench/dpop.ts               (BENCH_N per round, default 2000; BENCH_ROUNDS, default 5)
 *   BENCH_PARTS=proof npx tsx bench/dpop.ts
 *
 * The replay part needs Postgres at 127.0.0.1:5432, like the tests. Results are recorded in
 * bench/README.md, never asserted.
 */
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createDpopVerifier, createMemoryReplayStore } from '@mandate/mcp-kit';
import { createReplayStore } from '../src/store/replay-store.js';
import { createTestDatabase } from '../test/helpers/pg.js';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PARTS = (process.env.BENCH_PARTS ?? 'proof,replay').split(',');

/** A client's proof key and a factory of fresh proofs for one URL (one key: its import is cached). */
function proofMaker(url: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = Buffer.from(
    JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }),
  ).toString('base64url');
  return {
    publicKey,
    proof(iat: number): { proof: string; input: Buffer; signature: Buffer } {
      const claims = { jti: randomUUID(), htm: 'POST', htu: url, iat };
      const text = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      const input = Buffer.from(text);
      const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return { proof: `${text}.${signature.toString('base64url')}`, input, signature };
    },
  };
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (xs: number[]): string =>
  `median ${median(xs).toFixed(1)} (rounds ${xs.map((x) => x.toFixed(1)).join(', ')})`;

async function proofPart(): Promise<void> {
  const url = 'https://as.example.com/token';
  const maker = proofMaker(url);
  const now = Math.floor(Date.now() / 1000);
  const dpop = createDpopVerifier({ replay: createMemoryReplayStore({ maxEntries: 10_000_000 }) });
  const roundOf = async (name: string): Promise<number> => {
    const proofs = Array.from({ length: N }, () => maker.proof(now));
    const start = cpuNow();
    if (name === 'verifier') {
      for (const p of proofs) await dpop.verify({ headers: [p.proof], method: 'POST', url, now });
    } else {
      const key: KeyObject = maker.publicKey;
      for (const p of proofs) verify('sha256', p.input, { key, dsaEncoding: 'ieee-p1363' }, p.signature);
    }
    return (cpuNow() - start) / N;
  };
  const results: Record<string, number[]> = { verifier: [], 'ES256 verify alone': [] };
  for (const name of Object.keys(results)) await roundOf(name); // warm-up
  for (let r = 0; r < ROUNDS; r++)
    for (const name of Object.keys(results)) results[name]!.push(await roundOf(name));
  console.log(`proof: process CPU µs per proof, ${N} × ${ROUNDS} rounds`);
  for (const [name, xs] of Object.entries(results)) console.log(`  ${name}: ${show(xs)}`);
  const added = results.verifier!.map((v, i) => v - results['ES256 verify alone']![i]!);
  console.log(`  verifier minus the verification: ${show(added)}`);
}

/** CPU seconds (in µs) the Postgres backends serving `database` have used so far. */
function postgresCpu(database: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres:') || !cmd.includes(` ${database} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    } catch {
      // The backend ended between the listing and the read.
    }
  }
  return ticks * 10_000; // USER_HZ 100
}

async function replayPart(): Promise<void> {
  const test = await createTestDatabase();
  try {
    const database = new URL(test.url).pathname.slice(1);
    const store = createReplayStore(test.db);
    // A DPoP record's shape: a thumbprint namespace and a base64url SHA-256 key.
    const namespace = `dpop:${randomUUID().replaceAll('-', '').padEnd(43, 'x')}`;
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const roundOf = async (): Promise<{ node: number; postgres: number }> => {
      const keys = Array.from({ length: N }, () => randomUUID().replaceAll('-', '').padEnd(43, 'k'));
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < keys.length) {
          if (!(await store.remember(namespace, keys[next++]!, expires))) throw new Error('not first');
        }
      };
      const pg0 = postgresCpu(database);
      const start = cpuNow();
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return { node: (cpuNow() - start) / N, postgres: (postgresCpu(database) - pg0) / N };
    };
    await roundOf(); // warm-up
    const node: number[] = [];
    const postgres: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const got = await roundOf();
      node.push(got.node);
      postgres.push(got.postgres);
    }
    console.log(`replay: CPU µs per record, ${CONCURRENCY} in flight, ${N} × ${ROUNDS} rounds`);
    console.log(`  Node ${show(node)}; Postgres ${show(postgres)}`);
  } finally {
    await test.drop();
  }
}

console.log(`# DPoP cost, Node ${process.version}, ${new Date().toISOString()}`);
if (PARTS.includes('proof')) await proofPart();
if (PARTS.includes('replay')) await replayPart();
