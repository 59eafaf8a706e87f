/**
 * A receiver's check of a Standard Webhooks 1.0 signature, written from the specification
 * (spec/standard-webhooks.md, "Verifying signatures") rather than from Mandate's sender, for the
 * tests to verify what Mandate sends as a receiver would: the three headers present, the
 * timestamp within the tolerance of the receiver's clock, and one `v1,` signature equal (in
 * constant time) to the HMAC-SHA256, keyed by the base64 after `whsec_`, of
 * `<webhook-id>.<webhook-timestamp>.<raw body>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a delivery is refused, or 'ok'. */
export type Verdict = 'ok' | 'missing_header' | 'stale_timestamp' | 'bad_signature';

export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): Verdict {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? undefined : v;
  };
  const id = one('webhook-id');
  const timestamp = one('webhook-timestamp');
  const signatures = one('webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) return 'missing_header';
  if (!/^[0-9]+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds)
    return 'stale_timestamp';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  for (const entry of signatures.split(' ')) {
    const [version, b64] = entry.split(',', 2);
    if (version !== 'v1' || b64 === undefined) continue;
    const got = Buffer.from(b64, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return 'ok';
  }
  return 'bad_signature';
}
