/** The approvers' webhook (MANDATE_APPROVAL_WEBHOOK_*, ADR 0014): where pending approvals are announced. */
import { ConfigError } from './config-error.js';
import type { Config } from './config-type.js';
import type { Env } from './env.js';

/** The approvers' webhook: every notice is signed, so a URL without a secret is refused. */
export function approvalWebhookConfig(e: Env): Config['approvalWebhook'] {
  if (e.MANDATE_APPROVAL_WEBHOOK_URL === undefined) return undefined;
  if (e.MANDATE_APPROVAL_WEBHOOK_SECRET === undefined)
    throw new ConfigError(
      'MANDATE_APPROVAL_WEBHOOK_SECRET: required with MANDATE_APPROVAL_WEBHOOK_URL (every notice is signed, Standard Webhooks)',
    );
  return {
    url: e.MANDATE_APPROVAL_WEBHOOK_URL,
    timeoutMs: e.MANDATE_APPROVAL_WEBHOOK_TIMEOUT_MS,
    secret: e.MANDATE_APPROVAL_WEBHOOK_SECRET,
  };
}
