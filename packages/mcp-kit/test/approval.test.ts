/**
 * Unit tests of the approval path of the exchange client (src/approval.ts, approval-errors.ts,
 * as exchange.ts drives them) against a stand-in Mandate (a fetch answering /token and
 * /bc-authorize) and a fake clock whose sleeps advance it: `interaction_required` starts the same
 * request at /bc-authorize with the user's token as `login_hint_token`; the approval page is
 * elicited (URL mode) or returned in the pending error; the CIBA poll honours `interval` and
 * `slow_down` (+5 s); a token for a tool call or from an approval is
 * never cached (how approvals end: approval.ends.test.ts). A real Mandate: test/e2e/kit-approval.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ApprovalPendingError, supportsUrlElicitation, URL_ELICITATION_REQUIRED } from '../src/index.js';
import {
  CALL,
  DESCRIPTION,
  elicitor,
  issued,
  mandate,
  MESSAGE,
  PAGE,
  pollError,
  started,
} from './approval-harness.js';

describe('an exchange the policy wants approved', () => {
  it('starts it at /bc-authorize, elicits the page, polls at the interval, returns the approved token', async () => {
    const m = mandate((_s, n) => (n < 3 ? pollError('authorization_pending') : issued('approved')));
    const e = elicitor();
    const completed: string[] = [];
    const token = await m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
      toolCall: CALL,
      approval: { elicit: e.elicit, notifyComplete: (id) => void completed.push(id) },
    });
    expect(token).toMatchObject({
      accessToken: 'tok-approved',
      tokenType: 'DPoP',
      scopes: ['hr.timeoff.write'],
    });

    const [exchange, start] = m.seen;
    expect(exchange!.body).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'user-token',
      authorization_details: JSON.stringify([
        { type: 'mcp_tool_call', ...{ tool: CALL.name, arguments: CALL.arguments } },
      ]),
    });
    // The same request, the user's token as login_hint_token (Mandate's CIBA profile, ADR 0014).
    expect(start!.path).toBe('/bc-authorize');
    const { grant_type: _g, subject_token: _s, subject_token_type: _t, ...what } = exchange!.body;
    expect(start!.body).toEqual({ ...what, login_hint_token: 'user-token' });
    expect(start!.dpop).toBe(true);
    expect(e.asked).toEqual([
      { mode: 'url', message: `Approval required: ${MESSAGE}`, url: PAGE, elicitationId: expect.any(String) },
    ]);
    expect(completed).toEqual([e.asked[0]!.elicitationId]);
    // Polls 5 s apart, DPoP-bound with the same key, the auth_req_id only.
    expect(m.polls().map((p) => p.at)).toEqual([1005, 1010, 1015]);
    expect(m.polls()[0]!.body).toEqual({
      grant_type: 'urn:openid:params:grant-type:ciba',
      auth_req_id: 'req-1',
    });
    expect(m.polls().every((p) => p.dpop)).toBe(true);
  });

  it("tells the person the policy's binding_message from /bc-authorize, else the refusal's description", async () => {
    // The message is /bc-authorize's member (ADR 0014), never parsed out of the exchange's error.
    const ask = async (start: () => Response) => {
      const m = mandate(() => issued('x'), { start });
      const e = elicitor();
      await m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: { elicit: e.elicit },
      });
      return e.asked[0]!.message;
    };
    expect(await ask(() => started({ binding_message: 'Twelve days off' }))).toBe(
      'Approval required: Twelve days off',
    );
    // A server without the member: the description as it is.
    expect(await ask(() => started({ binding_message: undefined }))).toBe(
      `Approval required: ${DESCRIPTION}`,
    );
  });

  it('slow_down adds 5 s to this and every later poll (CIBA §11)', async () => {
    const m = mandate((_s, n) =>
      n === 1 ? pollError('slow_down') : n < 4 ? pollError('authorization_pending') : issued('x'),
    );
    await m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
      toolCall: CALL,
      approval: elicitor(),
    });
    expect(m.polls().map((p) => p.at)).toEqual([1005, 1015, 1025, 1035]);
  });

  it('without URL-mode elicitation: a pending error with the link at once; the same call again resumes it', async () => {
    const m = mandate((_s, n) => (n === 1 ? pollError('authorization_pending') : issued('later')));
    const ask = () =>
      m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { toolCall: CALL });
    const first = await ask().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ApprovalPendingError);
    const pending = first as ApprovalPendingError;
    expect(pending.explain()).toContain(PAGE);
    expect(pending.explain()).toContain(MESSAGE);
    expect(pending.toJsonRpcError()).toEqual({
      code: URL_ELICITATION_REQUIRED,
      message: `Approval required: ${MESSAGE}`,
      data: {
        elicitations: [
          {
            mode: 'url',
            message: `Approval required: ${MESSAGE}`,
            url: PAGE,
            elicitationId: pending.elicitationId,
          },
        ],
      },
    });
    expect(m.polls()).toHaveLength(0);
    // Called again: no new exchange or approval, one poll (still pending), then again: the token.
    await expect(ask()).rejects.toBeInstanceOf(ApprovalPendingError);
    expect((await ask()).accessToken).toBe('tok-later');
    expect(m.seen.map((s) => s.path)).toEqual(['/token', '/bc-authorize', '/token', '/token']);
  });

  it('maxWaitSeconds without elicitation waits for approvers told otherwise; onStep tells each step', async () => {
    const m = mandate((_s, n) => (n === 1 ? pollError('authorization_pending') : issued('waited')));
    const steps: unknown[] = [];
    const token = await m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
      toolCall: CALL,
      approval: { maxWaitSeconds: 60, onStep: (s) => steps.push(s) },
    });
    expect(token.accessToken).toBe('tok-waited');
    expect(steps).toEqual([
      { kind: 'approval_required', description: DESCRIPTION },
      { kind: 'pending', expiresIn: 60, interval: 5, approvalUri: PAGE },
      { kind: 'poll', error: 'authorization_pending' },
    ]);
    expect(JSON.stringify(steps)).not.toContain('req-1'); // never the auth_req_id
  });

  it('identical calls at the same time start one approval, elicit once, and share each poll', async () => {
    const m = mandate((_s, n) => (n < 2 ? pollError('authorization_pending') : issued('shared')));
    const e = elicitor();
    const ask = () =>
      m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], {
        toolCall: CALL,
        approval: e,
      });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect([a.accessToken, b.accessToken]).toEqual(['tok-shared', 'tok-shared']);
    expect(m.seen.filter((s) => s.path === '/bc-authorize')).toHaveLength(1);
    expect(e.asked).toHaveLength(1);
    expect(m.polls().map((p) => p.at)).toEqual([1005, 1010]);
  });

  it('never caches a tool call’s token, nor an approved one without a tool call', async () => {
    const m = mandate(() => issued('approved'), { exchange: () => issued('direct') });
    const ask = () =>
      m.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { toolCall: CALL });
    await ask();
    await ask();
    expect(m.exchange.exchanges).toBe(2);

    const n = mandate(() => issued('approved'));
    const plain = () =>
      n.exchange.getDownstreamToken('user-token', 'workday', ['hr.timeoff.write'], { approval: elicitor() });
    expect((await plain()).accessToken).toBe('tok-approved');
    await plain();
    expect(n.seen.filter((s) => s.path === '/bc-authorize')).toHaveLength(2);
  });
});

describe('supportsUrlElicitation', () => {
  it('is true only for a declared url member (MCP 2025-11-25 capabilities)', () => {
    expect(supportsUrlElicitation({ elicitation: { url: {} } })).toBe(true);
    expect(supportsUrlElicitation({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(supportsUrlElicitation({ elicitation: {} })).toBe(false); // form only
    expect(supportsUrlElicitation({ elicitation: { url: true } })).toBe(false);
    expect(supportsUrlElicitation({})).toBe(false);
    expect(supportsUrlElicitation(undefined)).toBe(false);
  });
});
