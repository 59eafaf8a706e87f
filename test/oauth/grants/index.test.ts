/**
 * The grant registry is built from what the instance runs: the code and refresh grants exist only
 * with the first hop's ports, so no grant can reach for ports the instance does not have.
 */
import { describe, expect, it } from 'vitest';
import type { FirstHop } from '../../../src/oauth/first-hop.js';
import { grantRegistry } from '../../../src/oauth/grants/index.js';
import { GrantType } from '../../../src/oauth/tokens/token-types.js';

const CIBA = 'urn:openid:params:grant-type:ciba';

describe('grant registry', () => {
  it('without the first hop: the exchange grants and CIBA alone', () => {
    expect([...grantRegistry({}).keys()]).toEqual([GrantType.tokenExchange, GrantType.jwtBearer, CIBA]);
  });

  it('with the first hop: the code and refresh grants too, in the order discovery lists them', () => {
    expect([...grantRegistry({ firstHop: {} as FirstHop }).keys()]).toEqual([
      GrantType.tokenExchange,
      GrantType.jwtBearer,
      CIBA,
      GrantType.authorizationCode,
      GrantType.refreshToken,
    ]);
  });

  it('keys each grant by its own grant_type', () => {
    for (const [key, grant] of grantRegistry({ firstHop: {} as FirstHop })) expect(grant.grantType).toBe(key);
  });
});
