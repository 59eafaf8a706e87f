/**
 * The approvers' inbox: where Mandate's approval webhook (MANDATE_APPROVAL_WEBHOOK_URL) posts the
 * notice of each new pending approval, with the approval page's link (src/oauth/approvals/notice.ts).
 * In a company this is a chat channel or a mail gateway; in the demo, a loopback HTTP server the
 * scene waits on before the user opens the link. Like any receiver, it verifies each notice's
 * Standard Webhooks signature with the secret it shares with Mandate (MANDATE_APPROVAL_WEBHOOK_SECRET)
 * and refuses, 401, one that does not verify (docs/operations.md#approval-webhook).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';

export interface Inbox {
  url: string;
  /** The secret to give Mandate as MANDATE_APPROVAL_WEBHOOK_SECRET. */
  secret: string;
  /** Every notice received, in order. */
  readonly notices: ApprovalNotice[];
  /** The next notice after the `seen` first ones (waits at most `timeoutMs`). */
  next(seen: number, timeoutMs?: number): Promise<ApprovalNotice>;
  close(): Promise<void>;
}

/** The receiver's check: fresh timestamp, and a v1 signature of `<id>.<timestamp>.<body>` that matches. */
function verified(key: Buffer, h: IncomingHttpHeaders, body: string): boolean {
  const [id, ts, sigs] = [h['webhook-id'], h['webhook-timestamp'], h['webhook-signature']];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((s) => {
    const got = Buffer.from(s.startsWith('v1,') ? s.slice(3) : '', 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

export async function startInbox(): Promise<Inbox> {
  const key = randomBytes(32);
  const notices: ApprovalNotice[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        if (!verified(key, req.headers, body)) return void res.writeHead(401).end();
        notices.push(JSON.parse(body) as ApprovalNotice);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/approvals`,
    secret: `whsec_${key.toString('base64')}`,
    notices,
    async next(seen, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (notices.length <= seen) {
        if (Date.now() > deadline) throw new Error('no approval notice arrived');
        await new Promise((r) => setTimeout(r, 50));
      }
      return notices[seen]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
