/**
 * What the kit's policy client tests share: a verified access token, a PDP fetch stand-in, a
 * policy client with a settable clock, and the tool call decided.
 */
import { createToolPolicy, type ToolPolicyOptions, type VerifiedAccess } from '../../src/index.js';

export const NOW = 1_764_140_000;

/** A verified access token for alice, client claude-desktop, scope crm.read. */
export function access(over: Partial<VerifiedAccess> = {}): VerifiedAccess {
  const claims = {
    iss: 'https://mandate.example',
    sub: 'alice',
    aud: 'https://mcp.example/mcp',
    exp: NOW + 300,
    iat: NOW,
    jti: 'jti-1',
    client_id: 'claude-desktop',
    scope: 'crm.read',
  };
  return {
    token: 'eyJ.token.sig',
    clientId: 'claude-desktop',
    scopes: ['crm.read'],
    expiresAt: NOW + 300,
    resource: new URL('https://mcp.example/mcp'),
    sub: 'alice',
    claims,
    scheme: 'Bearer',
    extra: { sub: 'alice', jti: 'jti-1', scheme: 'Bearer' },
    ...over,
  };
}

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch stand-in for the PDP: records what is sent and answers with `answer`. */
export function pdp(answer: (body: unknown) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    const body: unknown = JSON.parse(String(init?.body));
    sent.push({ url: String(url), headers: init?.headers as Record<string, string>, body });
    return answer(body);
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

/** A JSON response. */
export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The time the policy client sees; `policy()` resets it to NOW. */
export const clock = { now: NOW };
/** A tool policy client for mcp-crm at Mandate, with `fetch` as its transport. */
export function policy(fetch: typeof globalThis.fetch, over: Partial<ToolPolicyOptions> = {}) {
  clock.now = NOW;
  return createToolPolicy({
    issuer: 'https://mandate.example',
    clientId: 'mcp-crm',
    clientSecret: 's3cret:with/chars',
    fetch,
    now: () => clock.now,
    ...over,
  });
}

/** The tool call the tests decide. */
export const call = { name: 'update_opportunity_stage', arguments: { id: 'opp-1', stage: 'Won' } };
