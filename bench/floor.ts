/**
 * The floor: what the signature work of one token exchange costs with node:crypto alone, i.e. one
 * ES256 verification (the subject token) and one ES256 signature (the issued token), with no JWT
 * parsing, no policy, no database and no HTTP. `exchanges/s-equivalent` per core is 1 / (verify +
 * sign); the machine figure multiplies by the cores. Run alone: `npx tsx bench/floor.ts`.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';

export interface FloorResult {
  verifyMicros: number;
  signMicros: number;
  perCore: number;
  cores: number;
  machine: number;
}

function timeOp(op: () => void, durationMs: number): number {
  for (let i = 0; i < 200; i++) op(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(durationMs) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 100; i++) op();
    n += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / 1000 / n;
}

/** Measures one ES256 verify and one ES256 sign over a JWT-sized signing input. */
export function measureFloor(durationMs = 2000): FloorResult {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // A typical signing input: base64url header and claims of a few hundred bytes.
  const input = Buffer.from(
    `${randomBytes(30).toString('base64url')}.${randomBytes(330).toString('base64url')}`,
  );
  const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const verifyMicros = timeOp(() => {
    if (!verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
      throw new Error('verify failed');
  }, durationMs);
  const signMicros = timeOp(() => {
    sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  }, durationMs);
  const perCore = 1e6 / (verifyMicros + signMicros);
  const cores = availableParallelism();
  return { verifyMicros, signMicros, perCore, cores, machine: perCore * cores };
}

export function formatFloor(f: FloorResult): string {
  return [
    `floor (node:crypto, ES256): verify ${f.verifyMicros.toFixed(1)} µs + sign ${f.signMicros.toFixed(1)} µs`,
    `  = ${Math.round(f.perCore)} exchanges/s per core, ${Math.round(f.machine)} exchanges/s on ${f.cores} cores`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  console.log(formatFloor(measureFloor()));
