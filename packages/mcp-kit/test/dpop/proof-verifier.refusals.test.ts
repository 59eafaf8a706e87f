/** RFC 9449 §4.3 refusals as a table (refusal-rows.ts): each hostile proof, its reason and exact description. */
import { describe, expect, it } from 'vitest';
import { refusal, request, useProofKeys, verifier } from './proof-harness.js';
import { refusalRows } from './refusal-rows.js';

useProofKeys();

describe('createDpopVerifier: refusals (RFC 9449 §4.3)', () => {
  it.each(refusalRows)('$name → invalid_dpop_proof ($reason)', async (row) => {
    const err = await refusal(verifier().verify(request(await row.proof(), row.req)));
    expect({
      error: err.error,
      description: err.description,
      reason: err.reason,
      status: err.status,
    }).toEqual({
      error: 'invalid_dpop_proof',
      description: row.description,
      reason: row.reason,
      status: 400,
    });
  });
});
