/**
 * A token exchange for one tool call that the policy may want a person to approve (ADR 0014,
 * OpenID CIBA Core 1.0 poll mode): the exchange names the call in RFC 9396 `authorization_details`
 * (type `mcp_tool_call`, the tool and its arguments); answered `interaction_required`, the same
 * request goes to the backchannel authentication endpoint, which starts the approval and answers
 * `auth_req_id`, `expires_in` and `interval`; then the token endpoint is polled with the CIBA grant
 * until the approval is decided or expires. Mandate tells the approvers (its webhook, the approval
 * page's link); the MCP server only waits. Never cached: the token is for this one call.
 * DPoP-bound throughout (a proof for each request, the same key for the poll as for the request).
 */
import { GrantType, TokenType, type DpopKey } from '@mandate/mcp-kit';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

export interface CallExchangeOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  key: DpopKey;
  fetch: typeof fetch;
  /** Told about each step, for the demo's story. */
  onStep?: (step: ApprovalStep) => void;
  /** Longest wait for a person (seconds; default 60): then the tool gives up, the request stays. */
  maxWaitSeconds?: number;
}

export type ApprovalStep =
  | { kind: 'interaction_required'; description: string }
  | { kind: 'pending'; expiresIn: number; interval: number }
  | { kind: 'poll'; error: string };

export interface CallToken {
  accessToken: string;
  tokenType: string;
  scope: string;
  /** Whether a person approved it first. */
  approved: boolean;
}

export class CallRefused extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form to one of Mandate's endpoints as the MCP server (client_secret_post), with a DPoP proof. */
async function post(
  opts: CallExchangeOptions,
  path: string,
  params: Record<string, string>,
): Promise<Answer> {
  const url = `${opts.issuer}${path}`;
  const body = new URLSearchParams({ ...params, client_id: opts.clientId, client_secret: opts.clientSecret });
  for (let attempt = 0; ; attempt++) {
    const res = await opts.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        dpop: await opts.key.proof({ method: 'POST', url }),
      },
      body: body.toString(),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    opts.key.rememberNonce(url, res.headers.get('dpop-nonce'));
    // RFC 9449 §8: a server that wants a nonce in the proof says so once.
    if (json.error === 'use_dpop_nonce' && attempt === 0) continue;
    return { status: res.status, body: json };
  }
}

const refused = (a: Answer) =>
  new CallRefused(
    String(a.body.error ?? 'server_error'),
    String(a.body.error_description ?? `HTTP ${a.status}`),
  );

/** RFC 8693 §2.2.1: without `scope`, the token has the scopes requested. */
const token = (a: Answer, approved: boolean, scopes: string[]): CallToken => ({
  accessToken: String(a.body.access_token),
  tokenType: String(a.body.token_type),
  scope: typeof a.body.scope === 'string' ? a.body.scope : scopes.join(' '),
  approved,
});

/**
 * A token for `resource` with `scopes`, for the call `tool(args)` on behalf of the user whose access
 * token is `userToken`; waits for the approval when the policy asks for one.
 * @throws CallRefused when Mandate refuses, the person denies, or the request expires.
 */
export async function exchangeForCall(
  opts: CallExchangeOptions,
  userToken: string,
  ask: { resource: string; scopes: string[]; tool: string; arguments: Record<string, unknown> },
): Promise<CallToken> {
  const what = {
    resource: ask.resource,
    scope: ask.scopes.join(' '),
    requested_token_type: TokenType.accessToken,
    authorization_details: JSON.stringify([
      { type: 'mcp_tool_call', tool: ask.tool, arguments: ask.arguments },
    ]),
  };
  const first = await post(opts, '/token', {
    grant_type: GrantType.tokenExchange,
    subject_token: userToken,
    subject_token_type: TokenType.accessToken,
    ...what,
  });
  if (first.status === 200) return token(first, false, ask.scopes);
  if (first.body.error !== 'interaction_required') throw refused(first);
  opts.onStep?.({ kind: 'interaction_required', description: String(first.body.error_description ?? '') });
  const started = await post(opts, '/bc-authorize', { login_hint_token: userToken, ...what });
  if (started.status !== 200) throw refused(started);
  const authReqId = String(started.body.auth_req_id);
  let interval = Number(started.body.interval ?? 5);
  opts.onStep?.({ kind: 'pending', expiresIn: Number(started.body.expires_in), interval });
  const deadline = Date.now() + (opts.maxWaitSeconds ?? 60) * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    const poll = await post(opts, '/token', { grant_type: CIBA_GRANT, auth_req_id: authReqId });
    if (poll.status === 200) return token(poll, true, ask.scopes);
    const error = String(poll.body.error);
    opts.onStep?.({ kind: 'poll', error });
    if (error === 'slow_down')
      interval += 5; // CIBA §11: 5 s more for this and every later poll
    else if (error !== 'authorization_pending') throw refused(poll);
  }
  throw new CallRefused('authorization_pending', 'no one has approved the request yet; ask again later');
}
