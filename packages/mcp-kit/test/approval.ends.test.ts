/**
 * How an approval the exchange client waits for ends (src/approval.ts, approval-errors.ts) against
 * the stand-in Mandate of approval-harness.ts: denied ("denied", forgotten), expired ("expired"),
 * never waited for beyond `expires_in`, bounded by `maxWaitSeconds`, a declined elicitation,
 * aborted (kept for a retry), a refusal at /bc-authorize, and an approval page not on Mandate's
 * origin (never shown).
 */
import { describe, expect, it } from 'vitest';
import { ApprovalDeniedError, ApprovalExpiredError, ApprovalPendingError } from '../src/index.js';
import { CALL, elicitor, issued, mandate, PAGE, pollError, started } from './approval-harness.js';

describe('how an approval ends', () => {
  it('a denial is ApprovalDeniedError ("denied"), and the request is forgotten', async () => {
    const m = mandate(() => pollError('access_denied'));
    const err = await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: elicitor(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalDeniedError);
    expect((err as ApprovalDeniedError).explain()).toMatch(/denied/);
    expect((err as ApprovalDeniedError).error).toBe('access_denied');
    // Asked again, it is a new exchange (and a new approval), not the denied one.
    await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { toolCall: CALL })
      .catch(() => undefined);
    expect(m.seen.filter((s) => s.path === '/bc-authorize')).toHaveLength(2);
  });

  it('expired_token is ApprovalExpiredError ("expired")', async () => {
    const m = mandate(() => pollError('expired_token'));
    const err = await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: elicitor(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalExpiredError);
    expect((err as ApprovalExpiredError).explain()).toMatch(/expired/);
  });

  it('never waits beyond expires_in: no poll once the next one would be past it', async () => {
    const m = mandate(() => pollError('authorization_pending'), { start: () => started({ expires_in: 12 }) });
    const err = await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: elicitor(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalExpiredError);
    expect(m.polls().map((p) => p.at)).toEqual([1005, 1010]);
    expect(m.clock.now).toBeLessThanOrEqual(1012);
  });

  it('maxWaitSeconds bounds the wait: then still pending, resumable', async () => {
    const m = mandate(() => pollError('authorization_pending'));
    const err = await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: { ...elicitor(), maxWaitSeconds: 12 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalPendingError);
    expect(m.polls().map((p) => p.at)).toEqual([1005, 1010]);
  });

  it('an elicitation the user declines ends the call pending, with the link', async () => {
    const m = mandate(() => issued('never'));
    const err = await m.exchange
      .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: elicitor('decline'),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalPendingError);
    expect((err as ApprovalPendingError).explain()).toContain(PAGE);
    expect(m.polls()).toHaveLength(0);
  });

  it('is abortable: the signal’s reason, and the request kept for a retry', async () => {
    const m = mandate((_s, n) => (n === 1 ? pollError('authorization_pending') : issued('after-abort')));
    const ac = new AbortController();
    const e = elicitor();
    const aborted = m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
      toolCall: CALL,
      approval: {
        signal: ac.signal,
        elicit: async (p) => {
          ac.abort(new Error('cancelled by the client'));
          return e.elicit(p);
        },
      },
    });
    await expect(aborted).rejects.toThrow('cancelled by the client');
    const again = await m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
      toolCall: CALL,
      approval: e,
    });
    expect(again.accessToken).toBe('tok-after-abort');
    expect(m.seen.filter((s) => s.path === '/bc-authorize')).toHaveLength(1);
  });

  it('a refusal at /bc-authorize is the exchange error it is', async () => {
    const m = mandate(() => issued('x'), {
      start: () => Response.json({ error: 'access_denied', error_description: 'no' }, { status: 403 }),
    });
    await expect(
      m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { toolCall: CALL }),
    ).rejects.toMatchObject({ name: 'ExchangeDeniedError', error: 'access_denied', description: 'no' });
  });

  it('shows no link that is not on Mandate’s own origin: no elicitation, a pending error without it', async () => {
    for (const approval_uri of ['https://evil.example/approvals/page-1', 'javascript:alert(1)', undefined]) {
      const m = mandate(() => issued('never'), { start: () => started({ approval_uri }) });
      const e = elicitor();
      const err = await m.exchange
        .getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { toolCall: CALL, approval: e })
        .catch((x: unknown) => x);
      expect(err).toBeInstanceOf(ApprovalPendingError);
      const pending = err as ApprovalPendingError;
      expect(pending.approvalUri).toBeUndefined();
      expect(pending.explain()).toMatch(/^Approval required: .*The approvers have been asked/);
      expect(pending.toJsonRpcError()).toBeUndefined();
      expect(e.asked).toEqual([]);
      expect(m.polls()).toHaveLength(0);
    }
  });
});
