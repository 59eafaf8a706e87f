// The AuthZEN routes over real HTTP (Authorization API 1.0 §10): the PDP metadata cached for five
// minutes, evaluations never cached, X-Request-ID echoed only when it is a plain token of at most
// 128 characters, and whole-request errors in the spec's form (400/401 with a text message, a
// Basic challenge on 401), not OAuth JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAccessToken } from '../../../src/oauth/tokens/mint-access-token.js';
import { basic, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';

let ts: TestService;
beforeAll(async () => {
  ts = await startTestService();
}, 120_000);
afterAll(async () => ts?.close());

const asWorkday = basic('mcp-workday', SECRETS.workday);

async function evaluation() {
  const { token } = await mintAccessToken(ts.service.ctx.signer, {
    issuer: ts.issuer,
    sub: 'alice',
    aud: MCP.workday,
    clientId: 'claude-desktop',
    scopes: ['hr.profile.read'],
    ttlSeconds: 300,
    now: Math.floor(Date.now() / 1000),
  });
  return {
    subject: { type: 'user', id: 'alice', properties: { token } },
    action: { name: 'tool_call' },
    resource: {
      type: 'mcp_tool',
      id: 'get_employee_record',
      properties: { arguments: { employee: 'alice' } },
    },
  };
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: asWorkday, ...headers },
    body,
  });
}

describe('AuthZEN routes', () => {
  it('serves the PDP metadata with a five-minute cache', async () => {
    const res = await fetch(`${ts.url}/.well-known/authzen-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('max-age=300');
    expect(((await res.json()) as Record<string, unknown>).policy_decision_point).toBe(ts.issuer);
  });

  it('answers an evaluation with a decision, never cached', async () => {
    const res = await post('/access/v1/evaluation', JSON.stringify(await evaluation()));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { decision: unknown }).decision).toBe(true);
  });

  it('answers a batch at /access/v1/evaluations', async () => {
    const one = await evaluation();
    const res = await post('/access/v1/evaluations', JSON.stringify({ evaluations: [one, one] }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { evaluations: unknown[] }).evaluations).toHaveLength(2);
  });

  it('echoes a well-formed X-Request-ID, also on errors, and replaces any other with its own', async () => {
    const ok = await post('/access/v1/evaluation', '{}', { 'X-Request-ID': 'req-1' });
    expect(ok.headers.get('x-request-id')).toBe('req-1');
    const long = 'x'.repeat(128);
    expect(
      (await post('/access/v1/evaluation', '{}', { 'X-Request-ID': long })).headers.get('x-request-id'),
    ).toBe(long);
    // Anything else is not echoed: the answer carries the service's own request id instead.
    for (const bad of ['x'.repeat(129), 'has space', 'caf\u00e9']) {
      const id = (await post('/access/v1/evaluation', '{}', { 'X-Request-ID': bad })).headers.get(
        'x-request-id',
      );
      expect(id, bad).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers a body that is not an evaluation with 400 and a text message', async () => {
    const res = await post('/access/v1/evaluation', JSON.stringify({ subject: 1 }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('answers a caller it cannot authenticate with 401, a Basic challenge and a text message', async () => {
    for (const authorization of ['', basic('mcp-workday', 'wrong-secret-0123456789')]) {
      const res = await post('/access/v1/evaluation', JSON.stringify(await evaluation()), { authorization });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="access evaluation"');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect((await res.text()).length).toBeGreaterThan(0);
    }
  });
});
