/**
 * MANDATE_APPROVAL_WEBHOOK_URL end to end (ADR 0014): a real Mandate, real Postgres and a real
 * HTTP receiver started by the test. A new pending approval is announced with its page URL, the
 * binding message, who asks and for what, and no token of any kind, signed per Standard Webhooks
 * (the receiver verifies it with the specification's check and the shared secret; another secret
 * fails); a receiver that hangs does not delay /bc-authorize. The URL and the secret are validated
 * at start-up with exact messages (test/config/approval-webhook.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, subjectClaims } from '../../helpers/exchange.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { verifyStandardWebhook } from '../../helpers/standard-webhooks.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';

const SECRET = `whsec_${Buffer.alloc(32, 0x42).toString('base64')}`;

const POLICY = `package mcp.authz

decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": [],
  "obligations": {"require_approval": {"binding_message": "Close the Acme deal", "ttl_seconds": 120}}}
`;

let receiver: Server;
let hang = false;
const bodies: {
  raw: string;
  json: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}[] = [];
let svc: TestService;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      bodies.push({ raw, json: JSON.parse(raw) as Record<string, unknown>, headers: req.headers });
      if (!hang) res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  const bundle = await buildBundle(join(tempDir(), 'approval.tar.gz'), { src: writePolicy(POLICY) });
  svc = await startTestService({
    env: {
      MANDATE_POLICY_BUNDLE: bundle,
      MANDATE_APPROVAL_WEBHOOK_URL: `http://127.0.0.1:${port}/mandate-approvals`,
      MANDATE_APPROVAL_WEBHOOK_SECRET: SECRET,
      MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS: '5000',
    },
  });
}, 120_000);
afterAll(async () => {
  await svc?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

async function ask(): Promise<{ status: number; authReqId: string; subjectToken: string }> {
  const subjectToken = await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' });
  const res = await post(
    `${svc.issuer}/bc-authorize`,
    form({
      login_hint_token: subjectToken,
      resource: API.salesforce,
      scope: 'crm.write',
      binding_message: 'ticket 7',
    }),
    { authorization: basic('mcp-salesforce', SECRETS.salesforce) },
  );
  return { status: res.status, authReqId: res.body.auth_req_id as string, subjectToken };
}

describe('the approval webhook', () => {
  it('announces a new pending approval: page URL, who asks, for what; never a token', async () => {
    const { status, authReqId, subjectToken } = await ask();
    expect(status).toBe(200);
    await expect.poll(() => bodies.length, { timeout: 5000 }).toBe(1);
    const { raw, json } = bodies[0]!;
    const row = await svc.db.db.query<{ id: string; expires_at: string }>(
      'SELECT id, expires_at FROM approvals ORDER BY created_at DESC LIMIT 1',
    );
    const id = row.rows[0]!.id;
    expect(json).toEqual({
      approval_id: id,
      approval_url: `${svc.issuer}/approvals/${id}`,
      binding_message: 'Close the Acme deal',
      client_binding_message: 'ticket 7',
      subject: 'alice',
      client_id: 'mcp-salesforce',
      agents: ['mcp-salesforce', 'claude-desktop'],
      service: API.salesforce,
      scopes: ['crm.write'],
      expires_at: Number(row.rows[0]!.expires_at),
    });
    expect(raw).not.toContain(authReqId);
    expect(raw).not.toContain(subjectToken.split('.')[2]);
  });

  it('signs it per Standard Webhooks: the receiver verifies it with the shared secret, not another', async () => {
    const { raw, headers, json } = bodies[0]!;
    const now = Math.floor(Date.now() / 1000);
    expect(headers['webhook-id']).toBe(`msg_${json.approval_id as string}`);
    expect(Math.abs(now - Number(headers['webhook-timestamp']))).toBeLessThan(30);
    expect(verifyStandardWebhook(SECRET, headers, raw, now)).toBe('ok');
    const other = `whsec_${Buffer.alloc(32, 0x43).toString('base64')}`;
    expect(verifyStandardWebhook(other, headers, raw, now)).toBe('bad_signature');
    expect(verifyStandardWebhook(SECRET, headers, raw.replace('alice', 'mallory'), now)).toBe(
      'bad_signature',
    );
  });

  it('a receiver that does not answer does not delay the request', async () => {
    hang = true;
    const start = Date.now();
    const { status } = await ask();
    expect(status).toBe(200);
    expect(Date.now() - start).toBeLessThan(2000);
    await expect.poll(() => bodies.length, { timeout: 5000 }).toBe(2);
  });
});
