/**
 * One Mandate access token verified as introspection does, with jose's jwtVerify (WebCrypto, the
 * path before 2026-12-02) and with verifyJwt (node:crypto, synchronously; verify-jwt.ts), and the
 * token endpoint's path decoding the token twice or once, in
 * alternating rounds in one process: process CPU per verification, so usable on a loaded machine.
 *
 *   npx tsx bench/verify.ts          (BENCH_N verifications per round, default 5000; 6 rounds each)
 *
 * Results are recorded in bench/README.md, never asserted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { signEs256 } from '../src/oauth/tokens/sign-jws.js';
import { verifyJwt } from '../src/oauth/tokens/verify-jwt.js';

const N = Number(process.env.BENCH_N ?? 5000);
const ROUNDS = 6;
const issuer = 'https://mandate.example';
const now = Math.floor(Date.now() / 1000);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const token = signEs256(
  { typ: 'at+jwt', kid: 'k1' },
  {
    iss: issuer,
    sub: 'alice',
    aud: 'https://api.example',
    client_id: 'c',
    scope: 'crm.read',
    iat: now,
    exp: now + 300,
    jti: 'j1',
  },
  privateKey,
);
const keys: JWTVerifyGetKey = async () => publicKey;

const endpointOpts = { algorithms: ['ES256'], issuer, requiredClaims: ['exp', 'sub'], clockSkew: 60, now };

const paths: Record<string, () => Promise<unknown>> = {
  'jose jwtVerify': () =>
    jwtVerify(token, keys, {
      algorithms: ['ES256'],
      issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'jti', 'sub'],
      currentDate: new Date(now * 1000),
    }),
  'verifyJwt (node:crypto)': () =>
    verifyJwt(token, keys, {
      algorithms: ['ES256'],
      issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'jti', 'sub'],
      clockSkew: 0,
      now,
    }),
  // The token endpoint's subject-token path: jose decodes header and payload to route the token,
  // then verifyJwt decoded them again (before 2026-12-02) or reuses that decoding (since).
  'token endpoint, decoded twice': () => {
    decodeProtectedHeader(token);
    decodeJwt(token);
    return verifyJwt(token, keys, endpointOpts);
  },
  'token endpoint, decoded once': () =>
    verifyJwt(token, keys, endpointOpts, { header: decodeProtectedHeader(token), payload: decodeJwt(token) }),
};

async function round(fn: () => Promise<unknown>): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await fn();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / N;
}

const results: Record<string, number[]> = {};
for (const fn of Object.values(paths)) await round(fn); // warm-up
for (let r = 0; r < ROUNDS; r++)
  for (const [name, fn] of Object.entries(paths)) (results[name] ??= []).push(await round(fn));
console.log(
  `access-token verification, ${N} × ${ROUNDS} rounds each, Node ${process.version}, ${new Date().toISOString()}`,
);
for (const [name, xs] of Object.entries(results)) {
  const sorted = [...xs].sort((a, b) => a - b);
  console.log(
    `${name}: process CPU µs per verification, median ${sorted[ROUNDS / 2]!.toFixed(1)} (rounds ${sorted.map((x) => x.toFixed(1)).join(', ')})`,
  );
}
