/**
 * Standard Webhooks 1.0 (https://www.standardwebhooks.com/, spec/standard-webhooks.md: "Signature
 * scheme", "Webhook headers"), the symmetric scheme: the secret is `whsec_` and the base64 of the
 * HMAC key; the signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the body byte for byte
 * as sent; `webhook-signature` is `v1,` and the base64 of its HMAC-SHA256. A receiver verifies it
 * with any Standard Webhooks library or the four steps in docs/operations.md#approval-webhook.
 */
import { createHmac } from 'node:crypto';

/** The three headers a signed webhook carries. */
export type WebhookHeaders = {
  /** The message's id: unique per message, the same on every attempt (the receiver's idempotency key). */
  'webhook-id': string;
  /** When this attempt was signed, in whole seconds since the epoch. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256>`; the spec allows several, space-separated (key rotation). */
  'webhook-signature': string;
};

/** The HMAC key of a `whsec_<base64>` secret (config/env.ts checked its form at start-up). */
export function webhookKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

/** The headers of message `id` with `body`, signed with `key` at `timestamp` (seconds). */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): WebhookHeaders {
  // The spec: neither the id nor the timestamp may hold a '.', which would make the content ambiguous.
  if (id.includes('.') || !Number.isSafeInteger(timestamp))
    throw new Error('a webhook id holds no "." and its timestamp is whole seconds');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}
