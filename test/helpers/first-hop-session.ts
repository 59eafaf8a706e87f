/** A logged-in, consented browser session that turns authorization requests into codes. */
import { MCP } from './service.js';
import { authorizeUrl, Browser, drive, pkce, PUBLIC_CLIENT, type Pkce } from './browser.js';

export const REDIRECT = 'http://127.0.0.1:49152/callback';

export interface CodeGrant {
  code: string;
  pkce: Pkce;
  location: URL;
}

export function authorizeParams(
  p: Pkce,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    response_type: 'code',
    client_id: PUBLIC_CLIENT.client_id,
    redirect_uri: REDIRECT,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    resource: MCP.salesforce,
    scope: 'crm.read crm.write',
    state: 'xyz',
    ...extra,
  };
}

export async function loggedIn(issuer: string, user = 'alice'): Promise<Browser> {
  const browser = new Browser();
  await drive(browser, authorizeUrl(issuer, authorizeParams(pkce())), REDIRECT, { user, consent: 'approve' });
  return browser;
}

export async function newCode(
  browser: Browser,
  issuer: string,
  extra: Record<string, string | undefined> = {},
  clientParams: Record<string, string> = {},
  stopAt = REDIRECT,
): Promise<CodeGrant> {
  const p = pkce();
  const { location } = await drive(
    browser,
    authorizeUrl(issuer, { ...authorizeParams(p, extra), ...clientParams }),
    stopAt,
    {
      consent: 'approve',
    },
  );
  return { code: location.searchParams.get('code') ?? '', pkce: p, location };
}
