/**
 * Mandate as an OpenID Connect relying party of the enterprise IdP (or of the development IdP,
 * through exactly the same code), with openid-client: discovery (OIDC Discovery 1.0), the code
 * flow with PKCE S256, `state` and `nonce`, and ID-token validation (OIDC Core §3.1.3.7: issuer,
 * audience, signature, expiry, nonce), plus RFC 9207 `iss` checking when the IdP advertises it.
 */
import * as oidc from 'openid-client';
import type { SubjectAttributes } from '../store/subjects.js';
import { subjectFromClaims, type ClaimMapping } from './attributes.js';

export interface RelyingPartyOptions extends ClaimMapping {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string[];
  redirectUri: string;
  now: () => number;
}

export interface LoginSecrets {
  state: string;
  nonce: string;
  verifier: string;
}

export interface RelyingParty {
  issuer: string;
  newSecrets(): LoginSecrets;
  /** `forceLogin` sends `prompt=login`: the IdP must authenticate the user again, not reuse its session. */
  authorizationUrl(s: LoginSecrets, opts?: { forceLogin?: boolean }): Promise<string>;
  /** Redeems the callback; resolves who logged in and when. */
  callback(url: URL, s: LoginSecrets): Promise<{ subject: SubjectAttributes; authTime: number }>;
}

/** Thrown when the IdP cannot be reached or its metadata is unusable (an outage, not a bad login). */
export class IdpUnavailableError extends Error {
  override name = 'IdpUnavailableError';
}

export function createRelyingParty(o: RelyingPartyOptions): RelyingParty {
  let config: Promise<oidc.Configuration> | undefined;
  const insecure = new URL(o.issuer).protocol === 'http:';
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= oidc
      .discovery(
        new URL(o.issuer),
        o.clientId,
        undefined,
        o.clientSecret === undefined
          ? oidc.None()
          : o.tokenAuthMethod === 'client_secret_post'
            ? oidc.ClientSecretPost(o.clientSecret)
            : oidc.ClientSecretBasic(o.clientSecret),
        // Plain http only for a localhost IdP (config/env.ts refuses it elsewhere).
        insecure ? { execute: [oidc.allowInsecureRequests] } : {},
      )
      .catch((err: unknown) => {
        config = undefined; // try discovery again on the next login
        throw new IdpUnavailableError(`cannot discover ${o.issuer}: ${String(err)}`, { cause: err });
      });
    return config;
  };
  return {
    issuer: o.issuer,
    newSecrets: () => ({
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    }),
    async authorizationUrl(s, opts) {
      const c = await configuration();
      return oidc.buildAuthorizationUrl(c, {
        redirect_uri: o.redirectUri,
        scope: o.scopes.join(' '),
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(s.verifier),
        code_challenge_method: 'S256',
        state: s.state,
        nonce: s.nonce,
        ...(opts?.forceLogin === true ? { prompt: 'login' } : {}),
      }).href;
    },
    async callback(url, s) {
      const c = await configuration();
      const tokens = await oidc.authorizationCodeGrant(c, url, {
        pkceCodeVerifier: s.verifier,
        expectedState: s.state,
        expectedNonce: s.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new Error('the IdP returned no ID token');
      const subject = subjectFromClaims(claims as Record<string, unknown>, o);
      const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : o.now();
      return { subject, authTime };
    },
  };
}
