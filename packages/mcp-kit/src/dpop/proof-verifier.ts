/**
 * DPoP proof verification, RFC 9449 §4.3, shared by the token endpoint (§5) and resource servers
 * (§7). Cheap syntactic checks run first, then the signature, then the nonce, and the replay record
 * is written last so that a refused proof never uses up its `jti`.
 */
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { OAuthError } from '../errors.js';
import type { ReplayStore } from '../replay.js';
import { ALGORITHMS, DEFAULT_DPOP_ALGORITHMS } from '../jws-algorithms.js';
import { checkAth, proofClaims } from './proof-claims.js';
import type { ProofClaims } from './proof-claims.js';
import { checkHeader, createHeaderCache } from './proof-header.js';
import type { CheckedHeader, HeaderCache } from './proof-header.js';
import { createHtuNormalizer } from './proof-htu.js';
import { createKeyCache } from './proof-jwk.js';
import type { KeyCache } from './proof-jwk.js';
import { decodeHeader, decodePayload, signatureIsValid, splitCompactJws } from './proof-jws.js';
import type { CompactJws } from './proof-jws.js';
import type { NonceService } from './nonce.js';
import { invalidProof } from './reasons.js';

/** Algorithms, time window, replay store and nonces of a {@link DpopVerifier}. */
export interface DpopVerifierOptions {
  /** Accepted `alg` values, asymmetric only (default {@link DEFAULT_DPOP_ALGORITHMS}). */
  algorithms?: readonly string[];
  /** How old a proof may be, in seconds (default 60). */
  iatWindowSeconds?: number;
  /** How far in the future `iat` may be, for client clock skew, in seconds (default 5). */
  futureSkewSeconds?: number;
  /** Shared replay records, so that a proof is single-use across all instances (§11.1). */
  replay: ReplayStore;
  /** Server nonces (§8, §9); required when `requireNonce` is true. */
  nonces?: NonceService;
  /** Refuse proofs without a current server nonce (default false). */
  requireNonce?: boolean;
  /** How many imported keys, and how many checked proof headers, to keep (default 1000 each). */
  keyCacheSize?: number;
}

/** The parts of a request a DPoP proof is checked against (RFC 9449 §4.3). */
export interface DpopRequest {
  /** Every DPoP header value received, in order. */
  headers: readonly string[];
  /** The request method, as sent (methods are case-sensitive, RFC 9110 §9.1). */
  method: string;
  /** The external URL the client addressed (behind a proxy: built from the public base URL). */
  url: string;
  /** The access token presented with the proof at a resource server (§7); enables the `ath` check. */
  accessToken?: string;
  /** Seconds since the epoch. */
  now: number;
}

/** A verified DPoP proof: its key (and thumbprint), `jti` and `iat`. */
export interface DpopProof {
  /** RFC 7638 thumbprint of the proof key: `cnf.jkt` for tokens bound to it (§6.1). */
  jkt: string;
  /** The proof key's public JWK (RFC 7638 required members only). */
  jwk: JWK;
  jti: string;
  iat: number;
}

/** Verifies DPoP proofs (RFC 9449 §4.3) for the token endpoint (§5) and resource servers (§7). */
export interface DpopVerifier {
  /** The accepted algorithms: for `dpop_signing_alg_values_supported` and `algs` challenges. */
  readonly algorithms: readonly string[];
  /**
   * Verifies the DPoP proof of one request (RFC 9449 §4.3) and records it as used.
   * @throws OAuthError `invalid_dpop_proof` or `use_dpop_nonce` (with a `DPoP-Nonce` header), each
   *   with a stable `reason`; `temporarily_unavailable` when the replay store cannot be reached.
   */
  verify(req: DpopRequest): Promise<DpopProof>;
}

/**
 * Creates a DPoP proof verifier (RFC 9449 §4.3): syntax, `typ: dpop+jwt`, an asymmetric `alg` from
 * the allow-list, a public `jwk`, the signature, `htm`/`htu`/`iat`/`ath`, the nonce, and last the
 * single-use `jti` in the shared replay store.
 * @throws TypeError for an algorithm that is not asymmetric or not known.
 */
export function createDpopVerifier(opts: DpopVerifierOptions): DpopVerifier {
  const settings = settingsOf(opts);
  return {
    algorithms: settings.algorithms,
    verify: (req) => verifyProof(settings, req),
  };
}

/** A verifier's options, checked, with their defaults. */
interface Settings {
  algorithms: string[];
  /** How old a proof may be, in seconds. */
  window: number;
  /** How far in the future `iat` may be, in seconds. */
  skew: number;
  replay: ReplayStore;
  /** The nonce service when proofs must carry a current server nonce, otherwise undefined. */
  requiredNonces: NonceService | undefined;
  keys: KeyCache;
  headers: HeaderCache;
  /** Normalizes `htu` and request URLs, remembering the last (the request URL, usually). */
  htu: (url: string) => string;
}

/** @throws TypeError for an unknown algorithm, a bad time window, or `requireNonce` without nonces. */
function settingsOf(opts: DpopVerifierOptions): Settings {
  const algorithms = [...(opts.algorithms ?? DEFAULT_DPOP_ALGORITHMS)];
  for (const alg of algorithms) {
    if (!Object.hasOwn(ALGORITHMS, alg)) throw new TypeError(`unsupported DPoP algorithm ${alg}`);
  }
  const window = opts.iatWindowSeconds ?? 60;
  const skew = opts.futureSkewSeconds ?? 5;
  if (!(window > 0 && skew >= 0 && Number.isFinite(window + skew))) {
    throw new TypeError('iatWindowSeconds must be positive and futureSkewSeconds not negative');
  }
  const requireNonce = opts.requireNonce === true;
  if (requireNonce && opts.nonces === undefined) {
    throw new TypeError('requireNonce needs a nonce service');
  }
  const keys = createKeyCache(opts.keyCacheSize);
  const headers = createHeaderCache(opts.keyCacheSize);
  const requiredNonces = requireNonce ? opts.nonces : undefined;
  const htu = createHtuNormalizer();
  return { algorithms, window, skew, replay: opts.replay, requiredNonces, keys, headers, htu };
}

/** The checks of RFC 9449 §4.3 in order, cheap ones first; the replay record is written last. */
async function verifyProof(settings: Settings, req: DpopRequest): Promise<DpopProof> {
  const { jws, payload, header } = proofParts(req.headers, settings);
  const { spec, jwk } = header;
  const { jti, htm, htu, iat } = proofClaims(payload);
  const proofHtu = checkTarget(htm, htu, req, settings.htu);
  if (iat < req.now - settings.window) throw invalidProof('iat_too_old', 'DPoP proof is too old');
  if (iat > req.now + settings.skew) throw invalidProof('iat_in_future', 'DPoP proof iat is in the future');
  if (req.accessToken !== undefined) checkAth(payload.ath, req.accessToken);

  const { key, jkt } = settings.keys.get(jwk);
  if (!signatureIsValid(jws, spec, key)) {
    throw invalidProof('signature_invalid', 'DPoP proof signature is invalid');
  }
  if (settings.requiredNonces !== undefined) checkNonce(payload.nonce, settings.requiredNonces, req.now);
  await checkFresh(settings, jkt, { jti, htm, htu: proofHtu, iat });
  // A copy: the checked header, and so its jwk, is shared with later proofs of the same client.
  return { jkt, jwk: { ...jwk.jwk }, jti, iat };
}

/**
 * The one DPoP header cut into its parts, its payload decoded, and its JOSE header checked
 * (`typ`, allowed `alg`, no `crit`, public `jwk`) or found among the headers that passed before.
 * A header seen for the first time is decoded before the payload, as the checks' order requires.
 */
function proofParts(
  headers: readonly string[],
  settings: Settings,
): { jws: CompactJws; payload: Record<string, unknown>; header: CheckedHeader } {
  if (headers.length === 0) throw invalidProof('missing_proof', 'DPoP proof is missing');
  if (headers.length > 1) {
    throw invalidProof('multiple_headers', 'more than one DPoP header was sent');
  }
  const jws = splitCompactJws((headers[0] as string).trim());
  const known = settings.headers.get(jws.header);
  const decoded = known === undefined ? decodeHeader(jws.header) : undefined;
  const payload = decodePayload(jws.payload);
  const header =
    known ??
    settings.headers.set(jws.header, checkHeader(decoded as Record<string, unknown>, settings.algorithms));
  return { jws, payload, header };
}

/** `htm` and `htu` name the request's method and URL (§4.3 checks 8, 9); returns the normalized htu. */
function checkTarget(htm: string, htu: string, req: DpopRequest, normalize: (url: string) => string): string {
  if (htm !== req.method) {
    throw invalidProof('htm_mismatch', 'DPoP proof htm does not match the request method');
  }
  let proofHtu: string;
  try {
    proofHtu = normalize(htu);
  } catch (cause) {
    throw invalidProof('htu_invalid', 'DPoP proof htu is not an absolute http(s) URL', cause);
  }
  // A request URL that does not normalize is a server misconfiguration: let it surface as such.
  const requestHtu = normalize(req.url);
  if (proofHtu !== requestHtu) {
    throw invalidProof('htu_mismatch', 'DPoP proof htu does not match the request URL');
  }
  return proofHtu;
}

/**
 * Records the proof as used until it leaves the time window (§11.1), its `htu` normalized; refused
 * when it was seen before.
 */
async function checkFresh(settings: Settings, jkt: string, proof: ProofClaims): Promise<void> {
  const { jti, htm, htu, iat } = proof;
  // Namespaced by key, over the normalized method and URL (§11.1); JSON keeps the parts apart.
  const replayKey = createHash('sha256')
    .update(JSON.stringify([jti, htm, htu]))
    .digest('base64url');
  const expires = Math.ceil(iat) + settings.window + settings.skew;
  let fresh: boolean;
  try {
    fresh = await settings.replay.remember(`dpop:${jkt}`, replayKey, expires);
  } catch (cause) {
    throw new OAuthError('temporarily_unavailable', 'DPoP replay check is unavailable, try again', {
      reason: 'replay_store_unavailable',
      headers: { 'Retry-After': '1' },
      cause,
    });
  }
  if (!fresh) throw invalidProof('replayed', 'DPoP proof replayed');
}

/** RFC 9449 §8: a missing or stale nonce is answered with a fresh one to retry with. */
function checkNonce(nonce: unknown, nonces: NonceService, now: number): void {
  const headers = { 'DPoP-Nonce': nonces.issue(now) };
  if (nonce === undefined) {
    throw new OAuthError('use_dpop_nonce', 'DPoP proof must include the server-provided nonce', {
      reason: 'nonce_missing',
      headers,
    });
  }
  if (typeof nonce !== 'string' || !nonces.check(nonce, now)) {
    throw new OAuthError('use_dpop_nonce', 'DPoP proof nonce is invalid or expired', {
      reason: 'nonce_invalid',
      headers,
    });
  }
}
