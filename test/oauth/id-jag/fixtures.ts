/**
 * Helpers shared by the ID-JAG tests (draft-ietf-oauth-identity-assertion-authz-grant): wire
 * constants, a form POST that returns status, headers and parsed body, and a DPoP proof signer.
 */
import {
  CompactSign,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { form } from '../../helpers/service.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';
export const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
export const ID_JAG_TYP = 'oauth-id-jag+jwt';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface Wire {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function postForm(
  url: string,
  params: Record<string, string | string[] | undefined>,
  headers: Record<string, string> = {},
): Promise<Wire> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

export interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
  /** A proof for one POST to `htu` (RFC 9449 §4.2). */
  proof(htu: string): Promise<string>;
}

export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    privateKey,
    jwk,
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (htu) =>
      new CompactSign(
        new TextEncoder().encode(JSON.stringify({ jti: randomUUID(), htm: 'POST', htu, iat: nowSeconds() })),
      )
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
        .sign(privateKey),
  };
}
