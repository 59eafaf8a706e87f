/**
 * The enterprise IdP (src/config/upstream.ts): its client needs its issuer and the reverse, the
 * scopes must ask for openid, and the claim map may not name an attribute after a registered token
 * claim (the attribute would stand in the token as a claim Mandate did not decide).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { parseClaimMap } from '../../src/config/upstream.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const idp = { UPSTREAM_OIDC_ISSUER: 'https://idp.example', UPSTREAM_OIDC_CLIENT_ID: 'mandate' };

const cases: RefusalCase[] = [
  {
    name: 'an upstream claim mapped to a registered token claim name',
    env: () => ({
      UPSTREAM_OIDC_ISSUER: 'https://idp.example',
      UPSTREAM_OIDC_CLIENT_ID: 'mandate',
      UPSTREAM_OIDC_CLAIMS: 'email,cnf=extension_key',
    }),
    message: () =>
      "UPSTREAM_OIDC_CLAIMS: 'cnf' is a registered token claim; name the attribute otherwise ('cnf_attr=extension_key')",
  },
  {
    name: 'an upstream claim kept under a registered token claim name',
    env: () => ({
      UPSTREAM_OIDC_ISSUER: 'https://idp.example',
      UPSTREAM_OIDC_CLIENT_ID: 'mandate',
      UPSTREAM_OIDC_CLAIMS: 'may_act',
    }),
    message: () =>
      "UPSTREAM_OIDC_CLAIMS: 'may_act' is a registered token claim; name the attribute otherwise ('may_act_attr=may_act')",
  },
  {
    name: 'an upstream client without its issuer',
    env: () => ({ UPSTREAM_OIDC_CLIENT_ID: 'mandate' }),
    message: () => 'UPSTREAM_OIDC_CLIENT_ID: set UPSTREAM_OIDC_ISSUER too',
  },
  {
    name: 'an upstream issuer without its client',
    env: () => ({ UPSTREAM_OIDC_ISSUER: 'https://idp.example' }),
    message: () => 'UPSTREAM_OIDC_CLIENT_ID: required when UPSTREAM_OIDC_ISSUER is set',
  },
  {
    name: 'upstream scopes without openid',
    env: () => ({ ...idp, UPSTREAM_OIDC_SCOPES: 'profile email' }),
    message: () => "UPSTREAM_OIDC_SCOPES: must include 'openid'",
  },
  {
    name: 'an upstream claim map entry with an empty claim',
    env: () => ({ ...idp, UPSTREAM_OIDC_CLAIMS: 'email,dept=' }),
    message: () => "UPSTREAM_OIDC_CLAIMS: 'dept=' is not 'attr' or 'attr=claim'",
  },
];

describe('the upstream IdP', () => {
  itRefuses(cases);

  it('maps each attribute to its claim, or to the claim of its own name', () => {
    expect(parseClaimMap(' email , dept = extension_dept ,, ')).toEqual({
      email: 'email',
      dept: 'extension_dept',
    });
  });

  it('is undefined without UPSTREAM_OIDC_ISSUER (the development IdP serves the login)', () => {
    expect(loadConfig({}).upstream).toBeUndefined();
    expect(loadConfig({ ...idp, UPSTREAM_OIDC_SCOPES: 'openid  email' }).upstream).toMatchObject({
      issuer: 'https://idp.example',
      clientId: 'mandate',
      scopes: ['openid', 'email'],
    });
  });
});
