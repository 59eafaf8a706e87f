/**
 * Token exchange, step one (src/oauth/grants/exchange-request.ts): the request's parameters
 * (RFC 8693 §2.1) as a typed request, refused before any token is looked at.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeRequest } from '../../../src/oauth/grants/exchange-request.js';
import { Params } from '../../../src/oauth/params.js';

const AT = 'urn:ietf:params:oauth:token-type:access_token';
const base = `subject_token=s&subject_token_type=${AT}`;
const parse = (body: string) => parseExchangeRequest(Params.parse(body));

describe('parseExchangeRequest', () => {
  it('reads the subject, the actor, the target and the scopes', () => {
    expect(
      parse(`${base}&actor_token=a&actor_token_type=${AT}&resource=https://api.example/&scope=b a b`),
    ).toEqual({
      subjectToken: 's',
      subjectTokenType: AT,
      actor: { token: 'a', tokenType: AT },
      requestedTokenType: AT,
      target: { resource: 'https://api.example/' },
      scopes: ['b', 'a'],
    });
    expect(parse(`${base}&audience=crm`)).toEqual({
      subjectToken: 's',
      subjectTokenType: AT,
      requestedTokenType: AT,
      target: { audience: 'crm' },
      scopes: undefined,
    });
  });

  it.each([
    ['subject_token_type=x', 'invalid_request', "missing required parameter 'subject_token'"],
    [
      `${base}&resource=r&actor_token=a`,
      'invalid_request',
      "missing required parameter 'actor_token_type' (actor_token is present)",
    ],
    [
      `${base}&resource=r&actor_token_type=${AT}`,
      'invalid_request',
      "'actor_token_type' must not be sent without 'actor_token'",
    ],
    [
      `${base}&resource=r&requested_token_type=urn:x`,
      'invalid_request',
      "requested_token_type 'urn:x' is not supported",
    ],
    [base, 'invalid_request', "missing required parameter 'resource' or 'audience'"],
    [`${base}&audience=a&audience=b`, 'invalid_target', 'request a token for one target service at a time'],
    [`${base}&resource=relative`, 'invalid_target', 'resource must be an absolute URI without a fragment'],
    [
      `${base}&resource=https://api.example/%23frag`,
      'invalid_target',
      'resource must be an absolute URI without a fragment',
    ],
    [`${base}&resource=https://api.example/&scope=%22`, 'invalid_scope', "malformed scope token '\"'"],
  ])('%s → %s', (body, error, description) => {
    expect(() => parse(body)).toThrow(expect.objectContaining({ error, description }));
  });
});
