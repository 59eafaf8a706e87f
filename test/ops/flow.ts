/** The first hop both operations tests drive, and a DPoP proof for the token endpoint. */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { PUBLIC_CLIENT } from '../helpers/browser.js';
import { ACCESS_TOKEN, post, subjectClaims, TOKEN_EXCHANGE, type WireResult } from '../helpers/exchange.js';
import { loggedIn, newCode, REDIRECT, type CodeGrant } from '../helpers/first-hop-session.js';
import { API, basic, form, SECRETS, type TestService } from '../helpers/service.js';

/** alice signs in at the development IdP, consents, and the public client redeems the code. */
export async function firstHop(
  svc: TestService,
): Promise<{ cookies: string[]; grant: CodeGrant; redeemed: WireResult }> {
  const browser = await loggedIn(svc.issuer);
  const grant = await newCode(browser, svc.issuer);
  const redeemed = await post(
    svc.tokenEndpoint,
    form({
      grant_type: 'authorization_code',
      client_id: PUBLIC_CLIENT.client_id,
      code: grant.code,
      code_verifier: grant.pkce.verifier,
      redirect_uri: REDIRECT,
    }),
  );
  return { cookies: [...browser.cookies.values()], grant, redeemed };
}

export async function dpopProof(url: string): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return new SignJWT({ htm: 'POST', htu: url, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
    .sign(privateKey);
}

/**
 * A token exchange by mcp-salesforce (client_secret_basic) of a fresh subject token from the test
 * IdP for the Salesforce API, with extra headers (a traceparent); `crm.read` is allowed, `hr.read`
 * denied by the default policy.
 */
export async function salesforceExchangeWith(
  svc: TestService,
  headers: Record<string, string>,
  scope = 'crm.read',
): Promise<WireResult & { subject: string }> {
  const subject = await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' });
  const res = await post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      subject_token: subject,
      resource: API.salesforce,
      scope,
    }),
    { authorization: basic('mcp-salesforce', SECRETS.salesforce), ...headers },
  );
  return { ...res, subject };
}
