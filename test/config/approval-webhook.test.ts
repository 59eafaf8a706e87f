/**
 * MANDATE_APPROVAL_WEBHOOK_* (src/config/approval-webhook.ts, ADR 0014): the URL must be https (http
 * on loopback only), and every notice is signed, so the URL needs a secret of the Standard Webhooks
 * form. The webhook itself is tested end to end in test/oauth/approvals/start-approval.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { BASE_ENV, configRefusal } from '../helpers/config.js';

describe('MANDATE_APPROVAL_WEBHOOK_URL', () => {
  it('must be https, or http on loopback only', () => {
    const message =
      'MANDATE_APPROVAL_WEBHOOK_URL: must be an https URL (http only on localhost, 127.0.0.1 or [::1])';
    expect(configRefusal({ MANDATE_APPROVAL_WEBHOOK_URL: 'http://hooks.example/x' })).toContain(message);
    expect(configRefusal({ MANDATE_APPROVAL_WEBHOOK_URL: 'ftp://127.0.0.1/x' })).toContain(message);
    expect(configRefusal({ MANDATE_APPROVAL_WEBHOOK_URL: 'not a url' })).toContain(
      'MANDATE_APPROVAL_WEBHOOK_URL',
    );
  });

  it('needs MANDATE_APPROVAL_WEBHOOK_SECRET, of the whsec_ form', () => {
    const url = 'https://hooks.example/x';
    expect(configRefusal({ MANDATE_APPROVAL_WEBHOOK_URL: url })).toBe(
      'MANDATE_APPROVAL_WEBHOOK_SECRET: required with MANDATE_APPROVAL_WEBHOOK_URL (every notice is signed, Standard Webhooks)',
    );
    const short = `whsec_${Buffer.alloc(16, 1).toString('base64')}`;
    const refusal = configRefusal({
      MANDATE_APPROVAL_WEBHOOK_URL: url,
      MANDATE_APPROVAL_WEBHOOK_SECRET: short,
    });
    expect(refusal).toBe(
      'MANDATE_APPROVAL_WEBHOOK_SECRET: must be whsec_ followed by the base64 of 24 to 64 random bytes (Standard Webhooks), e.g. whsec_$(openssl rand -base64 32)',
    );
  });
});

describe('the approval webhook settings', () => {
  it('are undefined without a URL, else the URL, the secret and the default deadline', () => {
    expect(loadConfig(BASE_ENV).approvalWebhook).toBeUndefined();
    const secret = `whsec_${Buffer.alloc(32, 0x42).toString('base64')}`;
    const url = 'https://hooks.example/x';
    const config = loadConfig({
      ...BASE_ENV,
      MANDATE_APPROVAL_WEBHOOK_URL: url,
      MANDATE_APPROVAL_WEBHOOK_SECRET: secret,
    });
    expect(config.approvalWebhook).toEqual({ url, timeoutMs: 2000, secret });
  });
});
