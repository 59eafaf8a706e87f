/**
 * The stand-in Mandate of the approval unit tests (approval.test.ts, approval.ends.test.ts): a
 * fetch answering the exchange, /bc-authorize and each CIBA poll as the test says, an exchange
 * client on a fake clock whose sleeps advance it, and an MCP client's URL-mode elicitation.
 */
import { createExchangeClient, type UrlElicitation } from '../src/index.js';

export const ISSUER = 'https://mandate.test.example';
export const PAGE = `${ISSUER}/approvals/page-1`;
export const MESSAGE = 'Time off of more than 5 days needs your approval';
/** The exchange's refusal; the kit takes the binding message from /bc-authorize's answer, not here. */
export const DESCRIPTION =
  'a person must approve this request: send it to the backchannel authentication endpoint';
export const CALL = { name: 'request_time_off', arguments: { days: 12 } };

interface Seen {
  path: string;
  body: Record<string, string>;
  at: number;
  dpop: boolean;
}

export type Answer = (s: Seen, polls: number) => Response;

export const needsApproval = () =>
  Response.json(
    {
      error: 'interaction_required',
      error_description: DESCRIPTION,
    },
    { status: 400 },
  );
export const started = (extra: Record<string, unknown> = {}) =>
  Response.json({
    auth_req_id: 'req-1',
    expires_in: 60,
    interval: 5,
    approval_uri: PAGE,
    binding_message: MESSAGE,
    ...extra,
  });
export const pollError = (error: string) =>
  Response.json({ error }, { status: error === 'access_denied' ? 403 : 400 });
export const issued = (jti: string) =>
  Response.json({
    access_token: `tok-${jti}`,
    token_type: 'DPoP',
    expires_in: 300,
    scope: 'hr.timeoff.write',
  });

/** A stand-in Mandate: the exchange answers `exchange`, /bc-authorize `start`, each poll `poll`. */
export function mandate(poll: Answer, opts: { exchange?: () => Response; start?: () => Response } = {}) {
  const clock = { now: 1000 };
  const seen: Seen[] = [];
  let polls = 0;
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    const body = Object.fromEntries(new URLSearchParams(String(init?.body)));
    const s = { path, body, at: clock.now, dpop: new Headers(init?.headers).has('dpop') };
    seen.push(s);
    if (path === '/bc-authorize') return (opts.start ?? started)();
    if (body.grant_type === 'urn:openid:params:grant-type:ciba') return poll(s, ++polls);
    return (opts.exchange ?? needsApproval)();
  }) as typeof fetch;
  const exchange = createExchangeClient({
    issuer: ISSUER,
    clientId: 'mcp-workday',
    clientSecret: 'secret',
    services: { workday: { resource: 'https://api.workday.example', dpop: true } },
    fetch: f,
    now: () => Math.floor(clock.now),
    clock: () => clock.now,
    sleep: async (seconds, signal) => {
      signal?.throwIfAborted();
      clock.now += seconds;
    },
  });
  return { exchange, seen, clock, polls: () => seen.filter((x) => x.body.grant_type?.includes('ciba')) };
}

export const elicitor = (action = 'accept') => {
  const asked: UrlElicitation[] = [];
  return {
    asked,
    elicit: async (p: UrlElicitation) => {
      asked.push(p);
      return { action };
    },
  };
};
