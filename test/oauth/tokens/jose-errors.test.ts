import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import { describeJoseError } from '../../../src/oauth/tokens/jose-errors.js';

const claimFailure = (claim: string, reason: string) =>
  new errors.JWTClaimValidationFailed('x', { iss: 'i' }, claim, reason);

describe('describeJoseError', () => {
  it.each([
    [new errors.JWTExpired('x', {}), 'expired', 'subject_token has expired', false],
    [claimFailure('nbf', 'check_failed'), 'not_yet_valid', 'subject_token is not yet valid', false],
    [
      claimFailure('iss', 'check_failed'),
      'claim_iss',
      'subject_token iss claim has an unexpected value',
      false,
    ],
    [claimFailure('aud', 'missing'), 'claim_aud', 'subject_token aud claim is missing', false],
    [claimFailure('exp', 'invalid'), 'claim_exp', 'subject_token exp claim is malformed', false],
    [
      new errors.JWSSignatureVerificationFailed(),
      'bad_signature',
      'subject_token signature verification failed',
      false,
    ],
    [
      new errors.JOSEAlgNotAllowed('x'),
      'alg_not_allowed',
      'subject_token is signed with an algorithm that is not allowed',
      false,
    ],
    [new errors.JWKSNoMatchingKey(), 'no_matching_key', 'no key of the issuer matches subject_token', false],
    [
      new errors.JWKSTimeout(),
      'jwks_timeout',
      'the key set for subject_token could not be fetched in time',
      true,
    ],
    [new errors.JWSInvalid('x'), 'err_jws_invalid', 'subject_token is malformed or unsupported', false],
    [new errors.JWTInvalid('x'), 'err_jwt_invalid', 'subject_token is malformed or unsupported', false],
    [
      new TypeError('fetch failed'),
      'jwks_unreachable',
      'the key set for subject_token could not be fetched',
      true,
    ],
  ])('%o is %s', (err, reason, description, outage) => {
    expect(describeJoseError(err, 'subject_token')).toEqual({ reason, description, outage });
  });
});
