/**
 * The approval webhook sender against a real HTTP server started by the test: it POSTs the notice
 * as JSON, signed per Standard Webhooks, which the receiver verifies with the specification's check
 * (test/helpers/standard-webhooks.ts) and the shared secret, and a receiver holding another secret
 * refuses; a receiver that answers 500, hangs past the deadline or is not listening costs one
 * warn line and one count of mandate_approval_webhook_failures_total, and never a rejection; the
 * secret is in no log line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';
import { createApprovalWebhook } from '../../src/ops/approval-webhook.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { verifyStandardWebhook } from '../helpers/standard-webhooks.js';

const SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 0x33).toString('base64')}`;
const NOW_MS = 1_800_000_000_500;

const NOTICE: ApprovalNotice = {
  approval_id: 'a1',
  approval_url: 'https://mandate.example/approvals/a1',
  binding_message: 'Close the Acme deal',
  subject: 'alice',
  client_id: 'mcp-salesforce',
  agents: ['claude-desktop'],
  service: 'https://api.salesforce.example',
  scopes: ['crm.write'],
  expires_at: 1_900_000_000,
};

let server: Server;
let base: string;
const received: {
  url: string;
  type: string | undefined;
  body: unknown;
  raw: string;
  headers: IncomingMessage['headers'];
}[] = [];
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        url: req.url!,
        type: req.headers['content-type'],
        body: JSON.parse(body),
        raw: body,
        headers: req.headers,
      });
      if (req.url === '/hang') return; // never answers
      // '/verify' is a receiver that checks the signature with its secret, as one in production does.
      const verdict = verifyStandardWebhook(SECRET, req.headers, body, Math.floor(NOW_MS / 1000));
      res.statusCode = req.url === '/fail' ? 500 : req.url === '/verify' && verdict !== 'ok' ? 401 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function setup(path: string, timeoutMs = 2000, secret = SECRET) {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log = { warn: (msg: string, fields?: Record<string, unknown>) => warnings.push({ msg, fields }) };
  const metrics = createMetrics();
  const send = createApprovalWebhook({
    url: `${base}${path}`,
    timeoutMs,
    secret,
    now: () => NOW_MS,
    log: log as unknown as Logger,
    onFailure: () => metrics.approvalWebhookFailure(),
  });
  const failures = async () =>
    /mandate_approval_webhook_failures_total (\d+)/.exec(await metrics.text())?.[1];
  return { send, warnings, failures };
}

describe('the approval webhook', () => {
  it('POSTs the notice as JSON', async () => {
    const { send, warnings, failures } = setup('/ok');
    await send(NOTICE);
    expect(received.at(-1)).toMatchObject({ url: '/ok', type: 'application/json', body: NOTICE });
    expect(warnings).toEqual([]);
    expect(await failures()).toBe('0');
  });

  it('signs it per Standard Webhooks: id msg_<approval_id>, the second it is sent, v1 HMAC-SHA256', async () => {
    const { send, warnings } = setup('/verify');
    await send(NOTICE);
    const got = received.at(-1)!;
    expect(got.headers['webhook-id']).toBe('msg_a1');
    expect(got.headers['webhook-timestamp']).toBe('1800000000');
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyStandardWebhook(SECRET, got.headers, got.raw, 1_800_000_000)).toBe('ok');
    expect(warnings).toEqual([]); // the receiver verified it and answered 204
    // The same notice again is the same message: the same id, so a receiver drops the duplicate.
    await send(NOTICE);
    expect(received.at(-1)!.headers['webhook-id']).toBe('msg_a1');
  });

  it('a receiver holding another secret refuses it (logged and counted), and no line holds a secret', async () => {
    const { send, warnings, failures } = setup('/verify', 2000, OTHER_SECRET);
    await send(NOTICE);
    const got = received.at(-1)!;
    expect(verifyStandardWebhook(SECRET, got.headers, got.raw, 1_800_000_000)).toBe('bad_signature');
    expect(warnings).toEqual([
      {
        msg: 'approval webhook failed; approvers were not notified',
        fields: { approval_id: 'a1', err: 'answered 401' },
      },
    ]);
    expect(await failures()).toBe('1');
    const said = JSON.stringify(warnings);
    for (const s of [SECRET, OTHER_SECRET]) {
      expect(said).not.toContain(s);
      expect(said).not.toContain(s.slice('whsec_'.length));
    }
    expect(JSON.stringify(got.headers)).not.toContain(OTHER_SECRET.slice('whsec_'.length));
  });

  it('the body carries no token, subject token or auth_req_id: only the notice fields', async () => {
    const { send } = setup('/ok');
    await send(NOTICE);
    expect(Object.keys(received.at(-1)!.body as object).sort()).toEqual(Object.keys(NOTICE).sort());
  });

  it('a 500 is logged and counted, not thrown', async () => {
    const { send, warnings, failures } = setup('/fail');
    await expect(send(NOTICE)).resolves.toBeUndefined();
    expect(warnings).toEqual([
      {
        msg: 'approval webhook failed; approvers were not notified',
        fields: { approval_id: 'a1', err: 'answered 500' },
      },
    ]);
    expect(await failures()).toBe('1');
  });

  it('a receiver that never answers is given up at the deadline', async () => {
    const { send, warnings, failures } = setup('/hang', 300);
    const start = Date.now();
    await send(NOTICE);
    expect(Date.now() - start).toBeLessThan(1500);
    expect(warnings).toHaveLength(1);
    expect(await failures()).toBe('1');
  });

  it('a receiver that is not listening is logged and counted', async () => {
    const seen: string[] = [];
    const closed = createApprovalWebhook({
      url: 'http://127.0.0.1:1/nobody',
      timeoutMs: 1000,
      secret: SECRET,
      log: { warn: (msg: string) => seen.push(msg) } as unknown as Logger,
      onFailure: () => seen.push('counted'),
    });
    await closed(NOTICE);
    expect(seen).toEqual(['counted', 'approval webhook failed; approvers were not notified']);
  });
});
