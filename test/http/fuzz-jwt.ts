/**
 * JWTs for the HTTP fuzz whose header and payload are JSON *texts*, signed by keys Mandate trusts
 * (a test issuer, an ID-JAG issuer, a registered client, a DPoP key), so that hostile claims pass
 * the signature check and reach whatever reads them: duplicate members, 1e400, lone surrogates in
 * escapes, `__proto__`, wrong types, deep nesting. A JWS signer takes the texts as they are, which no
 * JWT library does.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { hostileJsonText } from './fuzz-values.js';

export interface Signer {
  kid: string;
  privateKey: KeyObject;
  /** The public key, as a JWK with kid and alg. */
  jwk: JWK;
}

export function newSigner(kid: string): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, jwk };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** An ES256 JWS over the header and payload texts exactly as given. */
export function signTexts(header: string, payload: string, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/** What a token is for: its signer and its honest claims (kinds in fuzz-requests.ts). */
export type JwtKind = 'subject' | 'actor' | 'id_jag' | 'assertion' | 'dpop';

/** Members replaced (or repeated) by a JSON text, in the header and in the payload. */
export interface JwtPlan {
  kind: JwtKind;
  header: [string, string][];
  claims: [string, string][];
  /** How it is signed: by its signer, not at all (alg none), or with a broken signature. */
  signature: 'signed' | 'none' | 'broken';
}

const HEADER_MEMBERS = ['alg', 'kid', 'typ', 'crit', 'jku', 'x5u', 'jwk', 'b64', 'cty', 'zip', 'x5c', 'enc'];
/** Claims a hostile value replaces. Scope shapes are claims' property test (issue 10 §1), not here. */
const CLAIM_MEMBERS = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'act',
  'may_act',
  'cnf',
  'groups',
  'client_id',
  'azp',
  'auth_time',
  'acr',
  'amr',
  'email',
  'resource',
  'tenant',
  'htm',
  'htu',
  'ath',
  'nonce',
  '__proto__',
  'extra',
];

const members = (names: string[], max: number) =>
  fc.array(fc.tuple(fc.constantFrom(...names), hostileJsonText), { maxLength: max });
/** `sub` and `iss` name what is looked up before any signature check (a client, an issuer): more often. */
const claimMembers = (max: number) =>
  fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('sub', 'iss'), fc.constantFrom(...CLAIM_MEMBERS)), hostileJsonText),
    {
      maxLength: max,
    },
  );

export const jwtPlan = (kind: JwtKind): fc.Arbitrary<JwtPlan> =>
  fc.record({
    kind: fc.constant(kind),
    header: fc.oneof(
      { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
      members(HEADER_MEMBERS, 2),
    ),
    claims: fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, claimMembers(3)),
    signature: fc.constantFrom<JwtPlan['signature']>(
      'signed',
      'signed',
      'signed',
      'signed',
      'none',
      'broken',
    ),
  });

/** A JSON object text: `base`'s members, those named in `over` replaced by the given texts. */
export function objectText(base: Record<string, unknown>, over: [string, string][]): string {
  const replaced = new Set(over.map(([k]) => k));
  const kept = Object.entries(base)
    .filter(([k]) => !replaced.has(k))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{${[...kept, ...over.map(([k, v]) => `${JSON.stringify(k)}:${v}`)].join(',')}}`;
}

export function buildJwt(
  plan: JwtPlan,
  signer: Signer,
  honest: { header: Record<string, unknown>; claims: Record<string, unknown> },
): string {
  const header = objectText(
    { alg: plan.signature === 'none' ? 'none' : 'ES256', kid: signer.kid, ...honest.header },
    plan.header,
  );
  const claims = objectText({ jti: randomUUID(), ...honest.claims }, plan.claims);
  if (plan.signature === 'none') return `${b64(header)}.${b64(claims)}.`;
  const jws = signTexts(header, claims, signer.privateKey);
  return plan.signature === 'broken' ? `${jws.slice(0, -6)}AAAAAA` : jws;
}

/** The payload of a compact JWS as JSON.parse reads it, or undefined. */
export function payloadOf(token: string | undefined): Record<string, unknown> | undefined {
  const part = token?.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
