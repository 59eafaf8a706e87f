/**
 * Refusals of the authorization page are logged, not audited (docs/audit.md "No decision without its
 * record"): over real HTTP with the service's pino logger captured, each refused request leaves
 * exactly one info line `authorization request refused` with its catalogued reason, its wire error
 * and, once the client is known to be registered, its client_id; never the client_id as the query
 * gave it, nor the state, the PKCE challenge or the redirect URI. None of them writes an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, pkce, PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';
import { pinoLines } from '../../helpers/connector-leaks.js';
import { MCP, startTestService, type TestService } from '../../helpers/service.js';

const STATE = 'state-needle-7f3a';
const REDIRECT = 'https://app.example/cb';

describe('authorization page refusals in the log', () => {
  let svc: TestService;
  let events = 0;
  const pino = pinoLines();
  const outboxCount = async () =>
    Number((await svc.db.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
  beforeAll(async () => {
    svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES, log: pino.log });
    events = await outboxCount();
  });
  afterAll(async () => svc?.close());

  const params = (extra: Record<string, string | undefined> = {}) => ({
    response_type: 'code',
    client_id: PUBLIC_CLIENT.client_id,
    redirect_uri: REDIRECT,
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    resource: MCP.salesforce,
    scope: 'crm.read',
    state: STATE,
    ...extra,
  });

  /** The refusal lines one request left, and its status. */
  async function refused(url: string, init: RequestInit = {}) {
    const from = pino.lines.length;
    const res = await fetch(url, { redirect: 'manual', ...init });
    await res.arrayBuffer();
    const lines = pino.lines
      .slice(from)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'authorization request refused');
    return { status: res.status, lines };
  }

  const cases: {
    name: string;
    url: () => string;
    init?: RequestInit;
    status: number;
    line: Record<string, unknown>;
  }[] = [
    {
      name: 'an unknown client, as a page, without the client_id it named',
      url: () => authorizeUrl(svc.issuer, params({ client_id: 'client-needle-9b2c' })),
      status: 400,
      line: { reason: 'authorize_unknown_client', error: 'invalid_request' },
    },
    {
      name: 'an unregistered redirect URI, as a page',
      url: () => authorizeUrl(svc.issuer, params({ redirect_uri: 'https://evil.example/cb?needle=1' })),
      status: 400,
      line: { reason: 'redirect_uri_unregistered', error: 'invalid_request' },
    },
    {
      name: 'plain PKCE, redirected, with the registered client_id',
      url: () => authorizeUrl(svc.issuer, params({ code_challenge_method: 'plain' })),
      status: 302,
      line: { reason: 'pkce_method', error: 'invalid_request', client_id: PUBLIC_CLIENT.client_id },
    },
    {
      name: 'prompt=none without a session, redirected',
      url: () => authorizeUrl(svc.issuer, params({ prompt: 'none' })),
      status: 302,
      line: { reason: 'login_required', error: 'login_required', client_id: PUBLIC_CLIENT.client_id },
    },
    {
      name: 'a request object, redirected',
      url: () => authorizeUrl(svc.issuer, params({ request: 'eyJhbGciOiJub25lIn0.e30.' })),
      status: 302,
      line: { reason: 'request_object', error: 'request_not_supported', client_id: PUBLIC_CLIENT.client_id },
    },
    {
      name: 'a NUL in the query, as a page',
      url: () => `${authorizeUrl(svc.issuer, params())}&x=%00`,
      status: 400,
      line: { reason: 'nul_in_parameter', error: 'invalid_request' },
    },
    {
      name: 'a consent form without a login session, as a page',
      url: () => `${svc.issuer}/consent`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `decision=approve&request=needle&csrf=needle&state=${STATE}`,
      },
      status: 400,
      line: { reason: 'consent_session', error: 'invalid_request' },
    },
    {
      name: 'an IdP redirect back for a login it did not start, as a page',
      url: () => `${svc.issuer}/login/callback?code=forged&state=${STATE}`,
      status: 400,
      line: { reason: 'login_failed', error: 'access_denied' },
    },
  ];
  for (const c of cases)
    it(`logs ${c.name}, once`, async () => {
      const { status, lines } = await refused(c.url(), c.init);
      expect(status).toBe(c.status);
      expect(lines).toHaveLength(1);
      const { level, msg, reason, error, client_id, ...rest } = lines[0]!;
      expect({ level, msg }).toEqual({ level: 'info', msg: 'authorization request refused' });
      expect({ reason, error, client_id }).toEqual({ client_id: undefined, ...c.line });
      // Nothing else but what every line has (its trace, when the request had a span).
      expect(Object.keys(rest).filter((k) => !['pid', 'time', 'trace_id', 'span_id'].includes(k))).toEqual(
        [],
      );
      expect(JSON.stringify(lines)).not.toMatch(/needle|forged/);
    });

  it('writes no audit event for any of them', async () => {
    expect(await outboxCount()).toBe(events);
  });
});
