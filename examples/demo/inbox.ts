/**
 * The approvers' inbox: where Mandate's approval webhook (MANDATE_APPROVAL_WEBHOOK_URL) posts the
 * notice of each new pending approval, with the approval page's link (src/oauth/approvals/notice.ts).
 * In a company this is a chat channel or a mail gateway; in the demo, a loopback HTTP server the
 * scene waits on before the user opens the link.
 */
import { createServer, type Server } from 'node:http';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';

export interface Inbox {
  url: string;
  /** Every notice received, in order. */
  readonly notices: ApprovalNotice[];
  /** The next notice after the `seen` first ones (waits at most `timeoutMs`). */
  next(seen: number, timeoutMs?: number): Promise<ApprovalNotice>;
  close(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const notices: ApprovalNotice[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApprovalNotice);
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
