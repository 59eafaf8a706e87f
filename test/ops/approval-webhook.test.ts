/**
 * The approval webhook sender against a real HTTP server started by the test: it POSTs the notice
 * as JSON; a receiver that answers 500, hangs past the deadline or is not listening costs one
 * warn line and one count of mandate_approval_webhook_failures_total, and never a rejection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';
import { createApprovalWebhook } from '../../src/ops/approval-webhook.js';
import { createMetrics } from '../../src/ops/metrics.js';

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
const received: { url: string; type: string | undefined; body: unknown }[] = [];
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url!, type: req.headers['content-type'], body: JSON.parse(body) });
      if (req.url === '/hang') return; // never answers
      res.statusCode = req.url === '/fail' ? 500 : 204;
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

function setup(path: string, timeoutMs = 2000) {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log = { warn: (msg: string, fields?: Record<string, unknown>) => warnings.push({ msg, fields }) };
  const metrics = createMetrics();
  const send = createApprovalWebhook({
    url: `${base}${path}`,
    timeoutMs,
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
    expect(received.at(-1)).toEqual({ url: '/ok', type: 'application/json', body: NOTICE });
    expect(warnings).toEqual([]);
    expect(await failures()).toBe('0');
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
      log: { warn: (msg: string) => seen.push(msg) } as unknown as Logger,
      onFailure: () => seen.push('counted'),
    });
    await closed(NOTICE);
    expect(seen).toEqual(['counted', 'approval webhook failed; approvers were not notified']);
  });
});
