/**
 * MANDATE_APPROVAL_WEBHOOK_URL (ADR 0014): each new pending approval is POSTed as JSON
 * (src/oauth/approvals/notice.ts) to the configured URL. Fire and forget: the request that started
 * the approval never waits for it nor fails because of it; a POST that fails, times out or is
 * answered other than 2xx is logged at warn level and counted
 * (mandate_approval_webhook_failures_total). There is no retry: approvers also find the request on
 * the page, and the client polls until it expires.
 */
import type { Logger } from '../log.js';
import type { ApprovalNotice } from '../oauth/approvals/notice.js';

export interface ApprovalWebhookOptions {
  url: string;
  timeoutMs: number;
  log: Logger;
  onFailure: () => void;
}

/** The announcer for `OAuthContext.announceApproval`; its promise is for tests and never rejects. */
export function createApprovalWebhook(o: ApprovalWebhookOptions): (notice: ApprovalNotice) => Promise<void> {
  return async (notice) => {
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notice),
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.body?.cancel();
      if (res.status < 200 || res.status > 299) throw new Error(`answered ${res.status}`);
    } catch (err) {
      o.onFailure();
      o.log.warn('approval webhook failed; approvers were not notified', {
        approval_id: notice.approval_id,
        err: err instanceof Error ? err.message : String(err),
      });
    }
  };
}
