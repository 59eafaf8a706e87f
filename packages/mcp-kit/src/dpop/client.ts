/**
 * The client side of DPoP (RFC 9449 §4): a key pair held in memory and proofs signed with it, for
 * the token request (§5) and for each call with the bound token (§7, with `ath`). Server nonces
 * (§8, §9) are remembered per origin and sent with the next proof.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A DPoP key pair; the private key is not extractable. */
export interface DpopKey {
  readonly alg: 'ES256';
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it (§6.1). */
  readonly jkt: string;
  readonly publicJwk: JWK;
  /**
   * Signs a proof for one request (RFC 9449 §4.2): `htu` without query and fragment, `ath` when
   * an access token is sent with it, the server's `nonce` when it gave one for this origin.
   */
  proof(req: { method: string; url: string; accessToken?: string; now?: number }): Promise<string>;
  /** Remembers a `DPoP-Nonce` a server sent (§8.2); the next proof for its origin carries it. */
  rememberNonce(url: string, nonce: string | null | undefined): void;
}

/** Generates a fresh ES256 DPoP key pair (RFC 9449 §4.2; P-256 per RFC 7518 §3.4). */
export async function generateDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const publicJwk: JWK = { kty, crv, x, y };
  return dpopKeyFrom(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk));
}

function dpopKeyFrom(privateKey: CryptoKey, publicJwk: JWK, jkt: string): DpopKey {
  const nonces = new Map<string, string>();
  return {
    alg: 'ES256',
    jkt,
    publicJwk,
    rememberNonce(url, nonce) {
      if (typeof nonce === 'string' && nonce !== '') nonces.set(new URL(url).origin, nonce);
    },
    async proof({ method, url, accessToken, now }) {
      const u = new URL(url);
      const htu = `${u.origin}${u.pathname}`;
      const nonce = nonces.get(u.origin);
      return new SignJWT({
        htm: method,
        htu,
        jti: randomUUID(),
        ...(accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })
        .setIssuedAt(now ?? Math.floor(Date.now() / 1000))
        .sign(privateKey);
    },
  };
}

/**
 * Sends a request with a DPoP-bound access token (RFC 9449 §7.1): `Authorization: DPoP <token>`
 * and a fresh proof; when the resource answers 401 with `error="use_dpop_nonce"` and a
 * `DPoP-Nonce` (§9), it retries once with the nonce.
 */
export async function fetchWithDpop(
  key: DpopKey,
  accessToken: string,
  url: string,
  init: RequestInit & { method?: string } = {},
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const send = async (): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `DPoP ${accessToken}`);
    headers.set('dpop', await key.proof({ method, url, accessToken }));
    return fetchImpl(url, { ...init, method, headers });
  };
  const res = await send();
  const nonce = res.headers.get('dpop-nonce');
  key.rememberNonce(url, nonce);
  if (
    res.status === 401 &&
    nonce !== null &&
    /error="use_dpop_nonce"/.test(res.headers.get('www-authenticate') ?? '')
  ) {
    await res.body?.cancel();
    return send();
  }
  return res;
}
