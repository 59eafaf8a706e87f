/**
 * Request logs (issue 14 §2): a full first hop (dev IdP sign-in, consent, code, refresh) and
 * second hop (token exchange with client_secret_basic, with client_secret_post and a DPoP proof, a
 * refused one), logged at debug level through the service's pino logger; every line is JSON, every
 * request has one line with its id, method, route, status, duration, client id and grant type, and
 * no secret the run used appears anywhere in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { PASSWORDS, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { ACCESS_TOKEN, post, TOKEN_EXCHANGE } from '../helpers/exchange.js';
import { dpopProof, firstHop } from './flow.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../helpers/service.js';

const lines: string[] = [];
let svc: TestService;
const secrets: string[] = [...Object.values(SECRETS), PASSWORDS.alice!];

beforeAll(async () => {
  svc = await startTestService({
    clients: [PUBLIC_CLIENT],
    resources: RESOURCES,
    log: createLogger('debug', (l) => lines.push(l)),
  });
}, 120_000);
afterAll(async () => {
  await svc?.close();
});

type Line = Record<string, unknown> & { msg: string; level: string };
const requestLines = (): Line[] => lines.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');

describe('request logs', () => {
  it('a first hop and exchanges leave one line per request and not one secret', async () => {
    const { cookies, grant: g, redeemed } = await firstHop(svc);
    secrets.push(...cookies, g.code, g.pkce.verifier);
    expect(redeemed.status).toBe(200);
    const access = String(redeemed.body.access_token);
    const refresh = String(redeemed.body.refresh_token);
    secrets.push(access, refresh);

    const refreshed = await post(
      svc.tokenEndpoint,
      form({ grant_type: 'refresh_token', client_id: PUBLIC_CLIENT.client_id, refresh_token: refresh }),
    );
    expect(refreshed.status).toBe(200);
    secrets.push(String(refreshed.body.access_token), String(refreshed.body.refresh_token));

    const exchange = {
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      subject_token: access,
      resource: API.salesforce,
      scope: 'crm.read',
    };
    const authorization = basic('mcp-salesforce', SECRETS.salesforce);
    secrets.push(authorization.replace(/^Basic /, ''));
    const allowed = await post(svc.tokenEndpoint, form(exchange), { authorization });
    expect(allowed.status).toBe(200);
    secrets.push(String(allowed.body.access_token));

    const proof = await dpopProof(svc.tokenEndpoint);
    secrets.push(proof);
    const bound = await post(svc.tokenEndpoint, form(exchange), { authorization, dpop: proof });
    expect(bound.status).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
    secrets.push(String(bound.body.access_token));

    // Refused: the workday MCP server (client_secret_post) presenting a token meant for another.
    const refused = await post(
      svc.tokenEndpoint,
      form({ ...exchange, client_id: 'mcp-workday', client_secret: SECRETS.workday, resource: API.workday }),
    );
    expect(refused.status).toBe(400);

    // Every line is JSON, so a log pipeline never meets plain text.
    for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    const log = lines.join('\n');
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(6);
      expect(log.includes(s), `a secret of ${s.length} characters is in the log`).toBe(false);
    }

    const tokenLines = requestLines().filter((l) => l.route === '/token');
    expect(tokenLines.map((l) => [l.status, l.client_id, l.grant_type])).toEqual([
      [200, PUBLIC_CLIENT.client_id, 'authorization_code'],
      [200, PUBLIC_CLIENT.client_id, 'refresh_token'],
      [200, 'mcp-salesforce', TOKEN_EXCHANGE],
      [200, 'mcp-salesforce', TOKEN_EXCHANGE],
      [400, 'mcp-workday', TOKEN_EXCHANGE],
    ]);
    for (const l of tokenLines) {
      expect(l).toMatchObject({ level: 'info', method: 'POST' });
      expect(typeof l.req_id).toBe('string');
      expect(typeof l.duration_ms).toBe('number');
      expect(typeof l.time).toBe('string');
    }
    // The first hop's routes are there too, by pattern (never the URL with its query).
    const routes = new Set(requestLines().map((l) => l.route));
    expect(routes).toContain('/authorize');
    expect(JSON.stringify(requestLines())).not.toContain('code_challenge');
  }, 120_000);

  it('a caller-sent X-Request-Id is kept and returned; anything else gets a fresh one', async () => {
    const kept = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a.1' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.1');
    const odd = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'a b\u00e9' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines().some((l) => l.req_id === 'lb-7f3a.1' && l.route === '/healthz')).toBe(true);
  });
});
