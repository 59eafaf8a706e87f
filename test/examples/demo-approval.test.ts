/**
 * The demo's approval scenes (issue 17 §1, ADR 0014), as `npm run demo` plays them, on the embedded
 * defaults (PGlite, the audit file: deciding an approval there used to hang): a 3-day time-off
 * request is exchanged at once; a 12-day one is answered interaction_required, started at
 * /bc-authorize, announced to the approvers' inbox by Mandate's webhook with the page's link; alice
 * approves on the page in her (headless) browser, the MCP server's poll gets exactly the token
 * decided, the Workday API records the request; the audit chain is decision → approval → issuance.
 * A 31-day request that alice denies: the poll is access_denied, nothing is booked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMandate, type DemoMandate } from '../../examples/demo/mandate.js';
import { runDemo, type DemoRun } from '../../examples/demo/run.js';

let mandate: DemoMandate;
let run: DemoRun;

beforeAll(async () => {
  mandate = await startMandate({});
  run = await runDemo(mandate, {
    print: false,
    only: ['alice.timeoff.short', 'alice.timeoff.long', 'alice.timeoff.denied'],
  });
  await mandate.audit.settle(300, 3000);
}, 90_000);
afterAll(async () => {
  await mandate?.close();
});

const events = (type: string) => mandate.audit.all.filter((e) => e.type === `dev.mandate.${type}`);
type Data = Record<string, unknown>;

describe('the demo’s approval by policy', () => {
  it('a 3-day request needs no one: the exchange is answered at once', () => {
    expect(JSON.parse(run.results['alice.timeoff.short']!.text)).toMatchObject({
      employee: 'alice',
      from: '2027-01-04',
      to: '2027-01-06',
    });
    const short = run.exchanges.filter((e) => e.tool === 'request_time_off').slice(0, 1);
    expect(short).toEqual([expect.objectContaining({ outcome: 'issued', tokenType: 'DPoP' })]);
    expect(short[0]?.approved).toBeUndefined();
  });

  it('a 12-day request waits for alice, who approves it on the page from the inbox; then it is done', () => {
    const steps = run.exchanges.filter((e) => e.tool === 'request_time_off').slice(1, 4);
    expect(steps.map((e) => e.outcome)).toEqual(['approval_required', 'approval_pending', 'issued']);
    expect(steps[0]?.description).toContain('Time off of more than 5 days needs your approval');
    expect(steps[2]).toMatchObject({
      approved: true,
      tokenType: 'DPoP',
      grantedScopes: ['hr.timeoff.write'],
    });
    expect(run.approvals).toHaveLength(2);
    const notice = run.approvals[0]!;
    expect(notice).toMatchObject({
      binding_message: 'Time off of more than 5 days needs your approval',
      subject: 'alice',
      client_id: 'mcp-workday',
      tool: 'request_time_off',
      scopes: ['hr.timeoff.write'],
    });
    expect(notice.approval_url).toBe(`${mandate.issuer}/approvals/${notice.approval_id}`);
    expect(JSON.stringify(notice)).not.toMatch(/eyJ[\w-]+\.eyJ/); // never a token
    expect(run.results['alice.timeoff.long']?.isError).toBe(false);
    expect(JSON.parse(run.results['alice.timeoff.long']!.text)).toMatchObject({
      employee: 'alice',
      from: '2027-02-01',
      to: '2027-02-12',
    });
    const posted = run.calls.filter((c) => c.method === 'POST' && c.status === 201);
    expect(posted.map((c) => c.jti)).toEqual(
      run.exchanges.filter((e) => e.outcome === 'issued' && e.tool === 'request_time_off').map((e) => e.jti),
    );
  });

  it('the audit chain: the decision that asked, the approval by alice, the issuance of that decision', () => {
    const [requested] = events('token.approval_requested');
    const approved = events('token.approved');
    expect(approved).toHaveLength(1);
    const asked = requested!.data as Data;
    expect(approved[0]!.data).toMatchObject({
      approval_id: asked.approval_id,
      decision_id: asked.decision_id,
    });
    expect(JSON.stringify(approved[0]!.data)).toContain('alice'); // the approver
    const decision = mandate.audit.all.find(
      (e) => e.type === 'dev.mandate.decision' && (e.data as Data).decision_id === asked.decision_id,
    );
    expect(JSON.stringify(decision?.data)).toContain('require_approval');
    const issued = events('token.issued').filter((e) => (e.data as Data).approval_id === asked.approval_id);
    expect(issued).toHaveLength(1);
    expect(issued[0]!.data).toMatchObject({ decision_id: asked.decision_id, sub: 'alice' });
    expect(issued[0]!.data.jti).toBe(run.exchanges.find((e) => e.approved === true)?.jti);
    const order = (e: unknown) => mandate.audit.all.indexOf(e as never);
    expect(order(requested)).toBeLessThan(order(approved[0]));
    expect(order(approved[0])).toBeLessThan(order(issued[0]));
  });

  it('a request alice denies: the poll is access_denied, the tool says so, nothing is booked', () => {
    const steps = run.exchanges.filter((e) => e.tool === 'request_time_off').slice(4);
    expect(steps.map((e) => e.outcome)).toEqual(['approval_required', 'approval_pending', 'refused']);
    expect(steps[2]).toMatchObject({ polled: true, error: 'access_denied' });
    expect(run.results['alice.timeoff.denied']).toEqual({
      isError: true,
      text: 'Not done: access_denied: the request was denied',
    });
    expect(run.calls.filter((c) => c.method === 'POST')).toHaveLength(2); // the two bookings before
    const denied = events('token.approval_denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.data.approval_id).toBe(run.approvals[1]!.approval_id);
    // The poll's refusal, after the denial: the CIBA grant's access_denied (ADR 0014).
    const refusal = events('token.refused').filter((e) => e.data.reason === 'approval_denied');
    expect(refusal).toHaveLength(1);
    expect(refusal[0]!.data).toMatchObject({ sub: 'alice', error: 'access_denied' });
    expect(mandate.audit.all.indexOf(denied[0]!)).toBeLessThan(mandate.audit.all.indexOf(refusal[0]!));
  });
});
