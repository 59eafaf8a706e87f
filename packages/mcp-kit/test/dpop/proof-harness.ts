/**
 * What the DPoP proof verifier tests share: two ES256 keys (set in `beforeAll` by useProofKeys),
 * a verifier with its own replay store, a request to the token URL, and a refusal's OAuthError.
 */
import { beforeAll, expect } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import type { DpopRequest } from '../../src/dpop/proof-verifier.js';
import { NOW, TOKEN_URL, memoryReplayStore, proofKey } from './fixtures.js';
import type { ProofKey } from './fixtures.js';

export let key: ProofKey;
export let otherKey: ProofKey;
/** Creates `key` and `otherKey` before the file's tests. */
export function useProofKeys(): void {
  beforeAll(async () => {
    key = await proofKey('ES256');
    otherKey = await proofKey('ES256');
  });
}

/** A verifier with a fresh in-memory replay store. */
export const verifier = () => createDpopVerifier({ replay: memoryReplayStore() });
/** A POST to the token URL at NOW carrying `headers` as its DPoP headers. */
export const request = (headers: string[], extra: Partial<DpopRequest> = {}): DpopRequest => ({
  headers,
  method: 'POST',
  url: TOKEN_URL,
  now: NOW,
  ...extra,
});

/** The OAuthError `promise` rejects with (failing the test when it resolves or throws another). */
export async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  return err as OAuthError;
}
