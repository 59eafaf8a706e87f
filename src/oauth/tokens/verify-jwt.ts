/**
 * JWT verification for the token endpoint's hot path (RFC 7519 §7.2, RFC 8725): every exchange
 * verifies its subject token. Keys come from jose's key sets (which own fetching, caching and
 * rotation of JWKS documents); the signature is checked with node:crypto, synchronously, rather
 * than through a WebCrypto job per token (bench/README.md). Failures are jose's own error classes,
 * so callers map them exactly as they map jose's (jose-errors.ts).
 */
import { KeyObject, verify, type webcrypto } from 'node:crypto';
import { errors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ALGORITHMS, verifyOptions, type AlgorithmSpec } from '@mandate/mcp-kit';

export interface VerifyJwtOptions {
  /** Allow-list; asymmetric algorithms only (`none` and HMAC are never in ALGORITHMS). */
  algorithms: readonly string[];
  issuer: string;
  requiredClaims: readonly string[];
  clockSkew: number;
  /** Seconds since the epoch. */
  now: number;
  /**
   * The `typ` header the token must have, compared as jose's `typ` option does (RFC 8725 §3.11:
   * case-insensitive, an `application/` prefix ignored); unset, any or none.
   */
  typ?: string;
}

// The signature may be empty so that `alg: none` is refused for its algorithm, which says more.
const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const asKeyObject = new WeakMap<object, KeyObject>();

function decode(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new errors.JWTInvalid(`${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new errors.JWTInvalid(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The KeyObject for a key set's answer, and whether it fits the algorithm (RFC 8725 §3.1). */
function keyFor(key: unknown, spec: AlgorithmSpec): KeyObject {
  let k: KeyObject | undefined;
  if (key instanceof KeyObject) k = key;
  else if (typeof key === 'object' && key !== null && (key as { type?: unknown }).type === 'public') {
    k = asKeyObject.get(key);
    if (k === undefined) {
      k = KeyObject.from(key as webcrypto.CryptoKey);
      asKeyObject.set(key, k);
    }
  }
  if (k === undefined || k.type !== 'public') throw new errors.JOSENotSupported('unsupported key');
  const type = k.asymmetricKeyType;
  const fits =
    spec.kty === 'EC'
      ? type === 'ec' &&
        { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[spec.crv ?? ''] ===
          k.asymmetricKeyDetails?.namedCurve
      : spec.kty === 'RSA'
        ? type === 'rsa' || type === 'rsa-pss'
        : type === 'ed25519';
  if (!fits) throw new errors.JOSENotSupported('key does not fit the algorithm');
  return k;
}

function normalizeTyp(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
}

/** A token's header and payload as the caller already decoded them (jose's decodeProtectedHeader, decodeJwt). */
export interface DecodedJwt {
  header: object;
  payload: object;
}

/**
 * Verifies `token`. `decoded`, when given, must be the decoding of this same token's header and
 * payload: they are then not decoded a second time (the payload is still used only once the
 * signature over its bytes has verified).
 */
export async function verifyJwt(
  token: string,
  getKey: JWTVerifyGetKey,
  opts: VerifyJwtOptions,
  decoded?: DecodedJwt,
): Promise<{ header: Record<string, unknown>; payload: JWTPayload & Record<string, unknown> }> {
  const m = COMPACT.exec(token);
  if (m === null) throw new errors.JWSInvalid('not a compact JWS');
  const [, h, p, s] = m as unknown as [string, string, string, string];
  const header = (decoded?.header as Record<string, unknown> | undefined) ?? decode(h, 'header');
  const spec = allowedAlgorithm(header, opts);
  const key = keyFor(
    await getKey(header as Parameters<JWTVerifyGetKey>[0], { payload: p, signature: s }),
    spec,
  );
  verifySignature(h, p, s, key, spec);
  const payload = (decoded?.payload ?? decode(p, 'payload')) as JWTPayload & Record<string, unknown>;
  checkClaims(header, payload, opts);
  return { header, payload };
}

/** The header's algorithm, if it is on the allow-list, and no `crit`. */
function allowedAlgorithm(header: Record<string, unknown>, opts: VerifyJwtOptions): AlgorithmSpec {
  const alg = header.alg;
  const spec = typeof alg === 'string' && opts.algorithms.includes(alg) ? ALGORITHMS[alg] : undefined;
  if (spec === undefined)
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  // RFC 7515 §4.1.11: no extension is understood here, so any `crit` makes the token unusable.
  if (header.crit !== undefined)
    throw new errors.JOSENotSupported('crit header parameters are not supported');
  return spec;
}

function verifySignature(h: string, p: string, s: string, key: KeyObject, spec: AlgorithmSpec): void {
  const signature = Buffer.from(s, 'base64url');
  const ok =
    (spec.signatureBytes === undefined || signature.length === spec.signatureBytes) &&
    verify(spec.hash, Buffer.from(`${h}.${p}`), { key, ...verifyOptions(spec) }, signature);
  if (!ok) throw new errors.JWSSignatureVerificationFailed();
}

/** `typ`, the required claims, `iss`, and the time claims (numbers; `nbf` and `exp` with the skew). */
function checkClaims(
  header: Record<string, unknown>,
  payload: JWTPayload & Record<string, unknown>,
  opts: VerifyJwtOptions,
): void {
  if (opts.typ !== undefined && normalizeTyp(header.typ) !== normalizeTyp(opts.typ))
    throw new errors.JWTClaimValidationFailed(
      'unexpected "typ" JWT header value',
      payload,
      'typ',
      'check_failed',
    );
  for (const claim of opts.requiredClaims)
    if (payload[claim] === undefined)
      throw new errors.JWTClaimValidationFailed(
        `missing required "${claim}" claim`,
        payload,
        claim,
        'missing',
      );
  if (payload.iss !== opts.issuer)
    throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', payload, 'iss', 'check_failed');
  for (const claim of ['exp', 'nbf', 'iat'] as const)
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number')
      throw new errors.JWTClaimValidationFailed(
        `"${claim}" claim must be a number`,
        payload,
        claim,
        'invalid',
      );
  if (typeof payload.nbf === 'number' && payload.nbf > opts.now + opts.clockSkew)
    throw new errors.JWTClaimValidationFailed(
      '"nbf" claim timestamp check failed',
      payload,
      'nbf',
      'check_failed',
    );
  if (typeof payload.exp === 'number' && payload.exp <= opts.now - opts.clockSkew)
    throw new errors.JWTExpired('"exp" claim timestamp check failed', payload, 'exp', 'check_failed');
}
