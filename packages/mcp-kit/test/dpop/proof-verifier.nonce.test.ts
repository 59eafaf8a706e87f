import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { createNonceService } from '../../src/dpop/nonce.js';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import { NOW, TOKEN_URL, makeProof, memoryReplayStore, proofKey } from './fixtures.js';
import type { ProofKey } from './fixtures.js';

const nonces = createNonceService({ secret: new Uint8Array(32).fill(1) });
const STEP = 60;
let key: ProofKey;
beforeAll(async () => {
  key = await proofKey();
});

const verifier = () => createDpopVerifier({ replay: memoryReplayStore(), nonces, requireNonce: true });
const verify = async (nonce: unknown) =>
  verifier().verify({
    headers: [await makeProof({ key, payload: { nonce } })],
    method: 'POST',
    url: TOKEN_URL,
    now: NOW,
  });

describe('createDpopVerifier with required nonces (RFC 9449 §8)', () => {
  it.each([
    ['missing', undefined, 'nonce_missing', 'DPoP proof must include the server-provided nonce'],
    ['wrong', 'not-a-nonce', 'nonce_invalid', 'DPoP proof nonce is invalid or expired'],
    [
      'from another secret',
      createNonceService({ secret: new Uint8Array(32) }).issue(NOW),
      'nonce_invalid',
      'DPoP proof nonce is invalid or expired',
    ],
    [
      'expired (two steps old)',
      nonces.issue(NOW - 2 * STEP),
      'nonce_invalid',
      'DPoP proof nonce is invalid or expired',
    ],
    ['not a string', 42, 'nonce_invalid', 'DPoP proof nonce is invalid or expired'],
  ])('a %s nonce → use_dpop_nonce with a fresh DPoP-Nonce', async (_name, nonce, reason, description) => {
    const err = await verify(nonce).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OAuthError);
    const { error, status, headers } = err as OAuthError;
    expect({
      error,
      status,
      headers,
      reason: (err as OAuthError).reason,
      description: (err as OAuthError).description,
    }).toEqual({
      error: 'use_dpop_nonce',
      status: 400,
      headers: { 'DPoP-Nonce': nonces.issue(NOW) },
      reason,
      description,
    });
  });

  it.each([
    ['current-step', nonces.issue(NOW)],
    ['previous-step', nonces.issue(NOW - STEP)],
  ])('accepts a %s nonce', async (_name, nonce) => {
    await expect(verify(nonce)).resolves.toMatchObject({ iat: NOW });
  });

  it('checks the signature before asking for a nonce', async () => {
    const other = await proofKey();
    const proof = await makeProof({ key, signWith: other.privateKey });
    const err = await verifier()
      .verify({ headers: [proof], method: 'POST', url: TOKEN_URL, now: NOW })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OAuthError);
    expect([(err as OAuthError).error, (err as OAuthError).reason]).toEqual([
      'invalid_dpop_proof',
      'signature_invalid',
    ]);
  });

  it('ignores nonces when they are not required, and refuses requireNonce without a service', async () => {
    const lenient = createDpopVerifier({ replay: memoryReplayStore(), nonces });
    const proof = await makeProof({ key });
    await expect(
      lenient.verify({ headers: [proof], method: 'POST', url: TOKEN_URL, now: NOW }),
    ).resolves.toBeDefined();
    expect(() => createDpopVerifier({ replay: memoryReplayStore(), requireNonce: true })).toThrow(
      'requireNonce needs a nonce service',
    );
  });
});
