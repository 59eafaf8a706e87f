/**
 * The spans of a request (issue 14 §3), recorded by a real OpenTelemetry SDK with an in-memory
 * exporter around a real Mandate: a token exchange sent with a traceparent has a server span that
 * is the caller's child, with the decision, the signing, the audit commit and the database as its
 * children (the commit's statement under the audit commit); the decision event names the server
 * span; no span carries a statement's parameters; an ID-JAG (a grant's own mint) is signed under a
 * token.sign span too; and nothing outside a request starts a trace.
 */
import { trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_JAG, ID_TOKEN, TOKEN_EXCHANGE, nowSeconds, postForm } from '../oauth/id-jag/fixtures.js';
import { basic, SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { salesforceExchangeWith } from './flow.js';

const IDP_CLIENT_SECRET = 'claude-desktop-secret-0123456789abcdefgh';
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
let svc: TestService;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  svc = await startTestService({
    clients: [
      { client_id: 'claude-desktop', client_secret: IDP_CLIENT_SECRET, grant_types: [TOKEN_EXCHANGE] },
    ],
  });
}, 120_000);
afterAll(async () => {
  await svc?.close();
  await provider.shutdown();
  trace.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

interface DecisionEvent {
  data: { trace_id?: string; span_id?: string };
}

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan): string => s.spanContext().spanId;

describe('spans of a token exchange', () => {
  it('the request span is the caller’s child and the parent of the decision, signing, audit and database spans', async () => {
    const res = await salesforceExchangeWith(svc, { traceparent: `00-${TRACE_ID}-${PARENT}-01` });
    const subject = res.subject;
    expect(res.status, res.text).toBe(200);
    await provider.forceFlush();

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    const server = spans.find((s) => s.name === 'POST /token');
    expect(server, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(parentOf(server!)).toBe(PARENT);
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/token',
      'http.response.status_code': 200,
    });

    const children = spans.filter((s) => parentOf(s) === idOf(server!)).map((s) => s.name);
    for (const name of ['policy.decide', 'token.sign', 'audit.commit', 'db.query'])
      expect(children, name).toContain(name);
    const decide = spans.find((s) => s.name === 'policy.decide')!;
    expect(decide.attributes).toMatchObject({
      'mandate.action': 'token_exchange',
      'mandate.decision.allow': true,
    });
    // The group commit's statement is the audit commit's child.
    const commit = spans.find((s) => s.name === 'audit.commit')!;
    const underCommit = spans.filter((s) => parentOf(s) === idOf(commit));
    expect(underCommit.map((s) => s.attributes['db.operation.name'])).toContain('WITH');

    // The decision event names the server span the SDK created.
    const { rows } = await svc.db.db.query<{ event: DecisionEvent }>(
      `SELECT event FROM outbox WHERE subject LIKE 'decision.%' ORDER BY sequence DESC LIMIT 1`,
    );
    expect(rows[0]!.event.data).toMatchObject({ trace_id: TRACE_ID, span_id: idOf(server!) });

    // Statement text only: neither the subject token nor the client's secret is in any span.
    const recorded = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(recorded.includes(subject)).toBe(false);
    expect(recorded.includes(subject.split('.')[2]!)).toBe(false);
    expect(recorded.includes(SECRETS.salesforce)).toBe(false);
  });

  it('an ID-JAG is signed under a token.sign span, the request span’s child, as every other token', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const now = nowSeconds();
    const idToken = await svc.idp.mint({
      iss: svc.idp.issuer,
      sub: 'alice',
      aud: 'claude-desktop',
      groups: ['sales'],
      iat: now,
      exp: now + 600,
    });
    const res = await postForm(
      svc.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE,
        requested_token_type: ID_JAG,
        subject_token: idToken,
        subject_token_type: ID_TOKEN,
        audience: 'https://as.partner-crm.example',
        resource: 'https://api.partner-crm.example',
        scope: 'partner.read',
      },
      {
        authorization: basic('claude-desktop', IDP_CLIENT_SECRET),
        traceparent: `00-${trace}-${PARENT}-01`,
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.issued_token_type).toBe(ID_JAG);
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === trace);
    const server = spans.find((s) => s.name === 'POST /token')!;
    const sign = spans.filter((s) => s.name === 'token.sign');
    expect(sign, spans.map((s) => s.name).join(', ')).toHaveLength(1);
    expect(parentOf(sign[0]!)).toBe(idOf(server));
    expect(sign[0]!.attributes['mandate.grant_type']).toBe(TOKEN_EXCHANGE);
    const decide = spans.find((s) => s.name === 'policy.decide')!;
    expect(decide.attributes['mandate.action']).toBe('id_jag');
  });

  it('a request without a traceparent is a root span, and nothing outside a request starts a trace', async () => {
    exporter.reset();
    const res = await fetch(`${svc.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    // Long enough for the relay to poll and deliver what the first test committed.
    await new Promise((r) => setTimeout(r, 1500));
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'GET /.well-known/oauth-authorization-server');
    expect(server).toBeDefined();
    expect(server!.parentSpanContext).toBeUndefined();
    expect(server!.spanContext().traceId).not.toBe(TRACE_ID);
    for (const s of spans) expect(s.spanContext().traceId, s.name).toBe(server!.spanContext().traceId);
  });
});
