/**
 * MANDATE_APPROVAL_WEBHOOK_URL (ADR 0014): each new pending approval is POSTed as JSON
 * (src/oauth/approvals/notice.ts) to the configured URL, signed per Standard Webhooks 1.0 with
 * MANDATE_APPROVAL_WEBHOOK_SECRET (webhook-signature.ts): `webhook-id` is `msg_<approval_id>` (one
 * message per approval), `webhook-timestamp` the second it is sent. Fire and forget: the request
 * that started the approval never waits for it nor fails because of it; a POST that fails, times
 * out or is answered other than 2xx is logged at warn level and counted
 * (mandate_approval_webhook_failures_total). There is no retry: approvers also find the request on
 * the page, and the client polls until it expires.
 */
import type { Logger } from '../log.js';
import type { ApprovalNotice } from '../oauth/approvals/notice.js';
import { signWebhook, webhookKey } from './webhook-signature.js';

export interface ApprovalWebhookOptions {
  url: string;
  timeoutMs: number;
  /** `whsec_<base64>`: the HMAC key shared with the receiver; never logged. */
  secret: string;
  log: Logger;
  /** The clock, in milliseconds (tests). */
  now?: () => number;
  onFailure: () => void;
}

/** The announcer for `OAuthContext.announceApproval`; its promise is for tests and never rejects. */
export function createApprovalWebhook(o: ApprovalWebhookOptions): (notice: ApprovalNotice) => Promise<void> {
  const key = webhookKey(o.secret);
  const now = o.now ?? Date.now;
  return async (notice) => {
    try {
      const body = JSON.stringify(notice);
      const signed = signWebhook(key, `msg_${notice.approval_id}`, Math.floor(now() / 1000), body);
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed },
        body,
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
