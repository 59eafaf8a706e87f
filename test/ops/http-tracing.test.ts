/**
 * Tracing (issue 14 §3) on a real Mandate with no OpenTelemetry SDK installed (the shipped
 * default): a token exchange sent with a W3C traceparent leaves a decision event whose trace id is
 * the caller's and a request log line with the same trace id and span id; without a traceparent,
 * or with a malformed one (ignored, never refused), the request gets a fresh trace of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { WireResult } from '../helpers/exchange.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { salesforceExchangeWith } from './flow.js';

const lines: string[] = [];
let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ log: createLogger('info', (l) => lines.push(l)) });
}, 120_000);
afterAll(async () => {
  await svc?.close();
});

interface DecisionEvent {
  type: string;
  data: { decision_id: string; trace_id?: string; span_id?: string; enforced: { allow: boolean } };
}

const exchange = (headers: Record<string, string>, scope?: string): Promise<WireResult> =>
  salesforceExchangeWith(svc, headers, scope);

/** The decision events in the outbox, in chain order. */
async function decisions(): Promise<DecisionEvent[]> {
  const { rows } = await svc.db.db.query<{ event: DecisionEvent }>(
    `SELECT event FROM outbox WHERE subject LIKE 'decision.%' ORDER BY sequence`,
  );
  return rows.map((r) => r.event);
}

/** The request line the log has for the nth /token request (0-based, in order). */
function tokenLines(): Record<string, unknown>[] {
  return lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request' && l.route === '/token');
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('traceparent on the token endpoint', () => {
  it("a decision event and the request's log line carry the caller's trace id", async () => {
    const allowed = await exchange({ traceparent: `00-${TRACE_ID}-${PARENT}-01`, tracestate: 'vendor=x' });
    expect(allowed.status, allowed.text).toBe(200);
    const denied = await exchange({ traceparent: `00-${TRACE_ID}-${PARENT}-00` }, 'hr.read');
    expect(denied.status).toBe(400);

    const [a, d] = (await decisions()).slice(-2);
    expect(a!.data.enforced.allow).toBe(true);
    expect(d!.data.enforced.allow).toBe(false);
    const [la, ld] = tokenLines().slice(-2);
    for (const [event, line] of [
      [a!, la!],
      [d!, ld!],
    ] as const) {
      expect(event.data.trace_id).toBe(TRACE_ID);
      expect(line.trace_id).toBe(TRACE_ID);
      // The request's own span, a child of the caller's: the same in the event and the log line.
      expect(event.data.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(event.data.span_id).not.toBe(PARENT);
      expect(line.span_id).toBe(event.data.span_id);
    }
    // Two requests, two spans in one trace.
    expect(a!.data.span_id).not.toBe(d!.data.span_id);
  });

  it('without a traceparent each request starts a fresh trace', async () => {
    const one = await exchange({});
    const two = await exchange({});
    expect([one.status, two.status]).toEqual([200, 200]);
    const [e1, e2] = (await decisions()).slice(-2);
    const [l1, l2] = tokenLines().slice(-2);
    expect(e1!.data.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(e1!.data.trace_id).not.toBe('0'.repeat(32));
    expect(e1!.data.trace_id).not.toBe(e2!.data.trace_id);
    expect(e1!.data.trace_id).not.toBe(TRACE_ID);
    expect(l1!.trace_id).toBe(e1!.data.trace_id);
    expect(l2!.trace_id).toBe(e2!.data.trace_id);
  });

  it.each([
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${PARENT}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT}-01`],
    ['version 00 with more fields', `00-${TRACE_ID}-${PARENT}-01-extra`],
    ['short trace id', `00-${TRACE_ID.slice(2)}-${PARENT}-01`],
    ['garbage', 'not a traceparent \u00e9'],
  ])('a malformed traceparent (%s) is ignored: the exchange succeeds in a fresh trace', async (_, header) => {
    const res = await exchange({ traceparent: header });
    expect(res.status, res.text).toBe(200);
    const [event] = (await decisions()).slice(-1);
    expect(event!.data.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event!.data.trace_id).not.toBe(TRACE_ID);
    expect(event!.data.trace_id).not.toBe('0'.repeat(32));
    expect(tokenLines().at(-1)!.trace_id).toBe(event!.data.trace_id);
  });

  it('every endpoint accepts it: health, discovery and an unknown path answer as usual and log the trace', async () => {
    const traceparent = `00-${TRACE_ID}-${PARENT}-01`;
    for (const path of ['/healthz', '/.well-known/oauth-authorization-server', '/no-such-path']) {
      const res = await fetch(`${svc.url}${path}`, { headers: { traceparent } });
      expect(res.status < 500, path).toBe(true);
      const line = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request')
        .at(-1)!;
      expect(line.trace_id, path).toBe(TRACE_ID);
    }
    const odd = await fetch(`${svc.url}/healthz`, { headers: { traceparent: '00-zz' } });
    expect(odd.status).toBe(200);
  });
});
