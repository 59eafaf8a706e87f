/**
 * The kit's tool-call approvals (packages/mcp-kit/src/policy/tool-approval.ts, ADR 0014 "Tool
 * calls") against a real Mandate (Postgres, a Rego bundle compiled by OPA, real HTTP, the approval
 * page with its login and CSRF token): a call the policy allows only with an approval starts one
 * at /bc-authorize and is answered with the page; made again, it is still waiting; alice approves
 * on the page; made again, it is allowed, once; a denial on the page ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  createToolPolicy,
  type ToolDecision,
  type VerifiedAccess,
} from '../../packages/mcp-kit/src/index.js';
import { Browser, drive, hiddenFields, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { MCP, SECRETS, type TestService } from '../helpers/service.js';
import {
  aliceWorkdayToken,
  OTHER_TOOLS_ALLOWED,
  startToolApprovalService,
  TIME_OFF_WHY as WHY,
} from '../helpers/tool-approval.js';

let ts: TestService;
let alice: Browser;

beforeAll(async () => {
  ts = await startToolApprovalService('kit-tool-approval', OTHER_TOOLS_ALLOWED, {
    clients: [PUBLIC_CLIENT],
    resources: RESOURCES,
  });
  alice = new Browser();
}, 120_000);
afterAll(async () => ts?.close());

/** Alice's access token for the Workday MCP server, verified as the server's kit verifies it. */
async function aliceAccess(): Promise<VerifiedAccess> {
  const { token } = await aliceWorkdayToken(ts, 600);
  const rs = createResourceServer({ resource: MCP.workday, issuer: ts.issuer, jwksUri: `${ts.url}/jwks` });
  return rs.authenticate({ method: 'POST', target: '/mcp', authorization: `Bearer ${token}` }, []);
}

/** Alice decides on the approval page: logged in through the IdP, the form with its CSRF token. */
async function decide(url: string, decision: 'approve' | 'deny'): Promise<void> {
  if ((await alice.fetch(url)).status !== 200) await drive(alice, url, url, { user: 'alice' });
  const page = await (await alice.fetch(url)).text();
  expect(page).toContain(WHY);
  expect((await alice.post(url, { ...hiddenFields(page), decision })).status).toBe(200);
}

const workday = () =>
  createToolPolicy({
    issuer: ts.issuer,
    clientId: 'mcp-workday',
    clientSecret: SECRETS.workday,
    approvals: { authMethod: 'client_secret_post' },
    timeoutMs: 10_000,
  });

const approvalOf = (d: ToolDecision) => (d.allow ? undefined : d.approval);

describe('a tool call approved on Mandate’s page through the kit', () => {
  it('started, still waiting, approved by alice: allowed once, then asked anew', async () => {
    const policy = workday();
    const access = await aliceAccess();
    const call = { name: 'request_time_off', arguments: { days: 12 } };
    const first = approvalOf(await policy.decide(access, call));
    expect(first).toMatchObject({ status: 'started', bindingMessage: WHY });
    expect(first?.approvalUri?.startsWith(`${ts.issuer}/approvals/`)).toBe(true);
    expect(approvalOf(await policy.decide(access, call))).toMatchObject({ status: 'pending' });
    // Other arguments are another call: not allowed by this approval.
    const other = await policy.decide(access, { ...call, arguments: { days: 13 } });
    expect(other.allow).toBe(false);
    await decide(first!.approvalUri!, 'approve');
    expect((await policy.decide(access, call)).allow).toBe(true);
    // Used up: the same call again needs a new approval.
    expect(approvalOf(await policy.decide(access, call))).toMatchObject({ status: 'started' });
    expect((await policy.decide(access, { name: 'get_profile', arguments: {} })).allow).toBe(true);
  });

  it('denied by alice on the page: the call made again says so, the next asks anew', async () => {
    const policy = workday();
    const access = await aliceAccess();
    const call = { name: 'request_time_off', arguments: { days: 20 } };
    const first = approvalOf(await policy.decide(access, call));
    await decide(first!.approvalUri!, 'deny');
    expect(approvalOf(await policy.decide(access, call))).toMatchObject({ status: 'denied' });
    expect(approvalOf(await policy.decide(access, call))).toMatchObject({ status: 'started' });
  });
});
