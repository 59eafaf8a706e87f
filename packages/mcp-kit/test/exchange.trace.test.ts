/**
 * The exchange client passes the caller's trace context on to Mandate (`traceparent` header), on
 * the exchange and on an approval's /bc-authorize and CIBA polls, so that Mandate's spans and
 * audit events join the agent's trace; a malformed value is never sent.
 */
import { describe, expect, it } from 'vitest';
import { createExchangeClient } from '../src/exchange.js';

const ISSUER = 'https://mandate.test.example';
const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (jti: string) => `${enc({ alg: 'ES256', typ: 'at+jwt' })}.${enc({ jti, sub: 'alice' })}.sig`;

function stand(answer: (path: string, n: number) => Response) {
  const seen: { path: string; traceparent: string | null }[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    seen.push({ path, traceparent: new Headers(init?.headers).get('traceparent') });
    return answer(path, seen.length);
  }) as typeof fetch;
  const clock = { now: 1000 };
  const client = createExchangeClient({
    issuer: ISSUER,
    clientId: 'mcp-workday',
    clientSecret: 's3cret',
    now: () => clock.now,
    clock: () => clock.now,
    sleep: async (s) => void (clock.now += s),
    fetch: f,
  });
  return { client, seen };
}

const issued = (n: number) =>
  Response.json({
    access_token: token(`j${n}`),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: 'Bearer',
    expires_in: 300,
  });

describe('exchange client: trace context', () => {
  it('sends a well-formed traceparent with the exchange; a cached token is not fetched again', async () => {
    const { client, seen } = stand((_, n) => issued(n));
    await client.getDownstreamToken('user', 'https://api.workday.example', ['hr.read'], {
      traceparent: TRACE,
    });
    await client.getDownstreamToken('user', 'https://api.workday.example', ['hr.read'], {
      traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
    });
    expect(seen).toEqual([{ path: '/token', traceparent: TRACE }]);
  });

  it('sends no traceparent when none is given or it is malformed', async () => {
    const { client, seen } = stand((_, n) => issued(n));
    await client.getDownstreamToken('user', 'https://a.example', ['s']);
    await client.getDownstreamToken('user', 'https://b.example', ['s'], { traceparent: `${TRACE}\r\nx: 1` });
    await client.getDownstreamToken('user', 'https://c.example', ['s'], {
      traceparent: `ff${TRACE.slice(2)}`,
    });
    expect(seen.map((s) => s.traceparent)).toEqual([null, null, null]);
  });

  it('sends it with a tool call’s exchange, its /bc-authorize and every CIBA poll', async () => {
    const { client, seen } = stand((path, n) => {
      if (path === '/bc-authorize')
        return Response.json({ auth_req_id: 'r1', expires_in: 60, interval: 5, binding_message: 'ok?' });
      if (n === 1)
        return Response.json(
          { error: 'interaction_required', error_description: 'a person must approve this request' },
          { status: 400 },
        );
      if (n === 3) return Response.json({ error: 'authorization_pending' }, { status: 400 });
      return issued(n);
    });
    await client.getDownstreamToken('user', 'https://api.workday.example', ['hr.write'], {
      toolCall: { name: 'request_time_off', arguments: { days: 12 } },
      traceparent: TRACE,
      approval: { maxWaitSeconds: 60 },
    });
    expect(seen).toEqual([
      { path: '/token', traceparent: TRACE },
      { path: '/bc-authorize', traceparent: TRACE },
      { path: '/token', traceparent: TRACE },
      { path: '/token', traceparent: TRACE },
    ]);
  });
});
