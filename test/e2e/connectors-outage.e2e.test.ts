/**
 * A downstream outage seen from the MCP server (issue 16 §4): a connector whose token endpoint is a
 * TCP port that accepts the connection and never answers, then the same port closed, then one that
 * sends a response's headers and stalls in its body. Each answers the unchanged exchange with 503
 * `temporarily_unavailable` and `Retry-After` (the connector's `retry_after_seconds`), within the
 * connector's `timeout_ms` and not the socket's default; each is
 * a `token.refused` event (`downstream_unavailable`, naming the connector) in an audit chain that
 * verifies, counted as `unavailable` in /metrics; failures are not cached, so every exchange tries
 * again.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPostgres } from '../../src/audit/verify.js';
import { buildPolicyVariant, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { API, freePort, startTestService, type TestService } from '../helpers/service.js';

const TIMEOUT_MS = 400;

/** A port that accepts connections and never writes a byte, or, closed, refuses them. */
interface SilentPort {
  port: number;
  /** Connections on which a request arrived (the client may open idle ones too). */
  requests: number;
  /** Listens; with `prefix`, writes it on each request, then nothing more. */
  open(prefix?: string): Promise<void>;
  shut(): Promise<void>;
}

function silentPort(port: number): SilentPort {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const out: SilentPort = {
    port,
    requests: 0,
    open: (prefix) =>
      new Promise((resolve, reject) => {
        server = createServer((s) => {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
          s.once('data', () => {
            out.requests += 1;
            if (prefix !== undefined) s.write(prefix);
          });
          s.resume(); // read the request, answer nothing
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    shut: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        if (server === undefined) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
  return out;
}

interface OutboxEvent {
  type: string;
  data: { reason?: string; error?: string; downstream?: Record<string, unknown> };
}

describe('a connector whose token endpoint hangs or is closed', () => {
  let svc: TestService;
  let silent: SilentPort;

  beforeAll(async () => {
    silent = silentPort(await freePort());
    await silent.open();
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-connector-outage-')), 'bundle.tar.gz'),
      (data) => {
        data.downstream_subjects = { salesforce: { alice: 'alice@acme.example' } };
      },
      'connector-outage-test',
    );
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      connectors: [
        {
          service: 'salesforce',
          resource: API.salesforce,
          kind: 'jwt-bearer',
          token_endpoint: `http://127.0.0.1:${silent.port}/oauth2/token`,
          timeout_ms: TIMEOUT_MS,
          retry_after_seconds: 9,
        },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
    await silent?.shut();
  });

  const exchange = async () => {
    const started = performance.now();
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    return { ...res, ms: performance.now() - started };
  };

  const unavailable = async (): Promise<OutboxEvent[]> =>
    (await svc.db.db.query<{ event: OutboxEvent }>('SELECT event FROM outbox ORDER BY sequence')).rows
      .map((r) => r.event)
      .filter((e) => e.type === 'dev.mandate.token.refused' && e.data.reason === 'downstream_unavailable');

  const metric = async (): Promise<number> => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(
          'mandate_connector_requests_total{service="salesforce",kind="jwt-bearer",outcome="unavailable"}',
        ),
      );
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('answers 503 with Retry-After within timeout_ms when the port accepts and never answers', async () => {
    for (const attempt of [1, 2]) {
      const res = await exchange();
      expect(res.status, res.text).toBe(503);
      expect(res.body.error).toBe('temporarily_unavailable');
      expect(res.body.error_description).toBe(
        "salesforce's authorization server is unavailable; try again shortly",
      );
      expect(res.headers.get('retry-after')).toBe('9');
      expect(res.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50); // it did wait for the answer
      expect(res.ms).toBeLessThan(TIMEOUT_MS + 1_500); // and no longer than the bound
      expect(silent.requests).toBe(attempt); // the request was sent; failures are not cached
    }
  });

  it('answers 503 with Retry-After at once when the port is closed', async () => {
    await silent.shut();
    const before = silent.requests;
    for (let i = 0; i < 2; i++) {
      const res = await exchange();
      expect(res.status, res.text).toBe(503);
      expect(res.body.error).toBe('temporarily_unavailable');
      expect(res.headers.get('retry-after')).toBe('9');
      expect(res.ms).toBeLessThan(TIMEOUT_MS); // refused, not timed out
    }
    expect(silent.requests).toBe(before);
  });

  it('answers 503 within timeout_ms when the answer’s headers came and its body stalls', async () => {
    await silent.open(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"access_token":"',
    );
    const before = silent.requests;
    const res = await exchange();
    expect(res.status, res.text).toBe(503);
    expect(res.body.error).toBe('temporarily_unavailable');
    expect(res.headers.get('retry-after')).toBe('9');
    expect(res.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(res.ms).toBeLessThan(TIMEOUT_MS + 1_500); // the bound covers the whole answer
    expect(silent.requests).toBe(before + 1);
    await silent.shut();
  });

  it('records each outage as a refusal naming the connector, in a chain that verifies, and counts it', async () => {
    const events = await unavailable();
    expect(events).toHaveLength(5);
    const details = events.map((e) => e.data.downstream);
    for (const d of details)
      expect(d).toEqual({
        service: 'salesforce',
        kind: 'jwt-bearer',
        subject: 'alice@acme.example',
        error: 'downstream_unavailable',
      });
    expect(events.every((e) => e.data.error === 'temporarily_unavailable')).toBe(true);
    expect(await metric()).toBe(5);
    const report = await verifyPostgres(svc.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
  });
});
