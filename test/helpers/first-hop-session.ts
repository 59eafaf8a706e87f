/** A logged-in, consented browser session that turns authorization requests into codes. */
import { afterAll, beforeAll } from 'vitest';
import { form, MCP, startTestService, type TestService } from './service.js';
import {
  authorizeUrl,
  Browser,
  CONFIDENTIAL_CLIENT,
  drive,
  pkce,
  PUBLIC_CLIENT,
  RESOURCES,
  type Pkce,
} from './browser.js';

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

/** A test Mandate serving the first hop to the test clients and resources, on the given clock. */
export function startFirstHop(now: () => number): Promise<TestService> {
  return startTestService({ clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT], resources: RESOURCES, now });
}

/** A token endpoint request with a form body: its status, headers and JSON body. */
export async function postToken(
  svc: TestService,
  body: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(svc.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Redeems a code as the public client, for the Salesforce MCP server. */
export function redeem(svc: TestService, g: CodeGrant, extra: Record<string, string | undefined> = {}) {
  return postToken(svc, {
    grant_type: 'authorization_code',
    client_id: PUBLIC_CLIENT.client_id,
    code: g.code,
    code_verifier: g.pkce.verifier,
    redirect_uri: REDIRECT,
    resource: MCP.salesforce,
    ...extra,
  });
}

/**
 * For a describe block: a first-hop test Mandate started before its tests (with a logged-in,
 * consented browser for alice) and closed after them.
 */
export function useFirstHop(now: () => number): { readonly svc: TestService; readonly browser: Browser } {
  let svc: TestService | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    svc = await startFirstHop(now);
    browser = await loggedIn(svc.issuer);
  });
  afterAll(async () => svc?.close());
  return {
    get svc() {
      if (svc === undefined) throw new Error('the first-hop service is not started yet');
      return svc;
    },
    get browser() {
      if (browser === undefined) throw new Error('the browser is not logged in yet');
      return browser;
    },
  };
}
