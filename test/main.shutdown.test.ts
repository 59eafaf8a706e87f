/**
 * SIGTERM under load (issue 10 §5): a real Mandate process serving token exchanges, on keep-alive
 * connections and on a new connection per request, gets SIGTERM. Requests it had accepted are answered; requests read after the signal
 * get OAuth JSON `temporarily_unavailable` with Retry-After and `Connection: close`; clients that
 * honour Retry-After then find the listener closed (connection refused). No connection is ever
 * reset, no other body is ever sent, the process exits 0, and every token given out has its record.
 */
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';
import { spawnMandate, type MandateProcess } from './helpers/process.js';
import { API, MCP, SECRETS, basic, form } from './helpers/service.js';
import { ACCESS_TOKEN, TOKEN_EXCHANGE, nowSeconds } from './helpers/exchange.js';

const CONNECTIONS = 16;
/** Exchanges answered before SIGTERM is sent. */
const LOADED = 3 * CONNECTIONS;

let database: TestDatabase;
let m: MandateProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  m = await spawnMandate({ databaseUrl: database.url, env: { MANDATE_DRAIN_QUIET_MS: '300' } });
}, 90_000);
afterAll(async () => {
  await m?.remove();
  await database?.drop();
});

interface Outcome {
  kind: 'ok' | 'unavailable' | 'refused' | 'reset' | 'unexpected';
  detail?: string;
}

function post(
  agent: http.Agent,
  port: number,
  body: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/token',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          authorization: basic('mcp-salesforce', SECRETS.salesforce),
        },
      },
      (res: http.IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('SIGTERM under load', () => {
  it('drains what was accepted, answers the rest with temporarily_unavailable, and resets nothing', async () => {
    const port = Number(new URL(m.url).port);
    const subjects = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        m.idp.mint(
          {
            iss: m.idp.issuer,
            sub: `user-${i}`,
            aud: MCP.salesforce,
            client_id: 'claude-desktop',
            groups: ['sales'],
            scope: 'crm.read',
            iat: nowSeconds(),
            exp: nowSeconds() + 600,
          },
          { typ: 'at+jwt' },
        ),
      ),
    );
    const outcomes: Outcome[] = [];
    let issued = 0;
    const deadline = Date.now() + 45_000;

    const loop = async (i: number): Promise<void> => {
      // Half the clients keep their connection alive, half open one per request.
      const agent = new http.Agent({ keepAlive: i % 2 === 0, maxSockets: 1 });
      try {
        for (let k = i; Date.now() < deadline; k++) {
          const body = form({
            grant_type: TOKEN_EXCHANGE,
            subject_token_type: ACCESS_TOKEN,
            subject_token: subjects[k % subjects.length]!,
            resource: API.salesforce,
            scope: 'crm.read',
          });
          let res;
          try {
            res = await post(agent, port, body);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
            outcomes.push({ kind: code === 'ECONNREFUSED' ? 'refused' : 'reset', detail: code });
            return;
          }
          if (res.status === 200) {
            issued++;
            outcomes.push({ kind: 'ok' });
            continue;
          }
          const exact =
            res.status === 503 &&
            res.headers['retry-after'] === '1' &&
            res.headers.connection === 'close' &&
            res.text ===
              JSON.stringify({
                error: 'temporarily_unavailable',
                error_description: 'the server is shutting down; try again',
              });
          outcomes.push(
            exact ? { kind: 'unavailable' } : { kind: 'unexpected', detail: `${res.status} ${res.text}` },
          );
          // A well-behaved client waits as told.
          await new Promise((r) => setTimeout(r, 1_000 * Number(res.headers['retry-after'] ?? 1)));
        }
      } finally {
        agent.destroy();
      }
    };

    const loops = Array.from({ length: CONNECTIONS }, (_, i) => loop(i));
    // Under load: every connection has been served a few times (however slow the machine is).
    const loaded = Date.now() + 30_000;
    while (outcomes.filter((o) => o.kind === 'ok').length < LOADED && Date.now() < loaded)
      await new Promise((r) => setTimeout(r, 20));
    const before = outcomes.filter((o) => o.kind === 'ok').length;
    m.kill('SIGTERM');
    const code = await m.exited;
    await Promise.all(loops);

    const count = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
    expect(outcomes.filter((o) => o.kind === 'reset' || o.kind === 'unexpected')).toEqual([]);
    expect(code).toBe(0);
    expect(before).toBeGreaterThanOrEqual(LOADED);
    expect(count('unavailable')).toBeGreaterThan(0);
    expect(count('refused')).toBe(CONNECTIONS);
    expect(m.logs.some((l) => l.includes('"msg":"shut down"'))).toBe(true);
    // Every token given out was committed, with its record, before the process ended.
    const rows = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM issued_tokens');
    expect(rows.rows[0]!.n).toBe(issued);
  });
});
