import { context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startServerSpan } from '../src/ops/tracing.js';

describe('createLogger', () => {
  it('writes one JSON line per call: level as a word, ISO time, pid, msg, fields', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    log.debug('not at info');
    log.info('hello', { n: 1 });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', pid: process.pid, msg: 'hello', n: 1 });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  it('redacts credentials, tokens, codes and assertions at the top level and one level down', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    const secret = 'S3CRET-value-0123456789';
    log.warn('x', {
      client_secret: secret,
      headers: { authorization: `Bearer ${secret}`, cookie: secret, dpop: secret, accept: 'ok' },
      body: { code: secret, code_verifier: secret, refresh_token: secret, assertion: secret },
      subject_token: secret,
    });
    expect(lines[0]).not.toContain(secret);
    const line = JSON.parse(lines[0]!) as { headers: Record<string, string> };
    expect(line.headers).toEqual({
      authorization: '[redacted]',
      cookie: '[redacted]',
      dpop: '[redacted]',
      accept: 'ok',
    });
  });

  it("names the request's trace on lines written inside its span, and no trace outside one", () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const request = startServerSpan('POST /token', {}, { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    context.with(request.context, () => log.error('unhandled error', { n: 1 }));
    log.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'unhandled error', n: 1, trace_id: trace });
    expect(inside!.span_id).toBe(request.span.spanContext().spanId);
    expect(outside).not.toHaveProperty('trace_id');
    // A field the line sets itself is not overwritten.
    context.with(request.context, () => log.info('own', { trace_id: 'given' }));
    expect(JSON.parse(lines[2]!)).toMatchObject({ trace_id: 'given' });
    expect(lines[2]!.match(/trace_id/g)).toHaveLength(1);
  });
});
