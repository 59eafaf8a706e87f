/**
 * Standard Webhooks signing against the specification's published test vector (the one the
 * reference libraries test with: a signature Mandate did not compute), and against the receiver's
 * check written from the specification (test/helpers/standard-webhooks.ts).
 */
import { describe, expect, it } from 'vitest';
import { signWebhook, webhookKey } from '../../src/ops/webhook-signature.js';
import { verifyStandardWebhook } from '../helpers/standard-webhooks.js';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signWebhook', () => {
  it('gives the published vector its published signature', () => {
    expect(signWebhook(webhookKey(VECTOR.secret), VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('verifies with the right secret only, and only for the body, id and timestamp signed', () => {
    const headers = signWebhook(webhookKey(VECTOR.secret), VECTOR.id, VECTOR.timestamp, VECTOR.body);
    const at = VECTOR.timestamp + 10;
    expect(verifyStandardWebhook(VECTOR.secret, headers, VECTOR.body, at)).toBe('ok');
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(verifyStandardWebhook(other, headers, VECTOR.body, at)).toBe('bad_signature');
    expect(verifyStandardWebhook(VECTOR.secret, headers, '{"test": 2432232315}', at)).toBe('bad_signature');
    expect(
      verifyStandardWebhook(VECTOR.secret, { ...headers, 'webhook-id': 'msg_other' }, VECTOR.body, at),
    ).toBe('bad_signature');
    expect(verifyStandardWebhook(VECTOR.secret, headers, VECTOR.body, at + 600)).toBe('stale_timestamp');
  });

  it("refuses an id holding '.' or a timestamp that is not whole seconds (the content would be ambiguous)", () => {
    const key = webhookKey(VECTOR.secret);
    expect(() => signWebhook(key, 'msg.1', 1, '{}')).toThrow(/no "\."/);
    expect(() => signWebhook(key, 'msg_1', 1.5, '{}')).toThrow(/whole seconds/);
  });

  it('webhookKey takes the base64 after whsec_, and refuses a secret without it', () => {
    expect(webhookKey(VECTOR.secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
    expect(() => webhookKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow(/whsec_/);
  });
});
