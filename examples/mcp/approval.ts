/**
 * A token exchange for one tool call that the policy may want a person to approve (ADR 0014,
 * OpenID CIBA Core 1.0 poll mode), with the kit: `getDownstreamToken` names the call in RFC 9396
 * `authorization_details` (type `mcp_tool_call`, the tool and its arguments); answered
 * `interaction_required`, the kit repeats the request at the backchannel authentication endpoint,
 * which starts the approval, and polls the token endpoint with the CIBA grant until the approval
 * is decided or expires. Mandate tells the approvers (its webhook, the approval page's link); this
 * MCP server only waits (`maxWaitSeconds`; a server whose client supports URL-mode elicitation
 * passes `elicit` instead, docs/mcp-server-kit.md). Never cached: the token is for this one call.
 * DPoP-bound throughout (a proof for each request, the same key for the poll as for the request).
 */
import { createExchangeClient, ExchangeError, type ApprovalStep, type DpopKey } from '@mandate/mcp-kit';

export type { ApprovalStep } from '@mandate/mcp-kit';

export interface CallExchangeOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  key: DpopKey;
  fetch: typeof fetch;
  /** Longest wait for a person (seconds; default 60): then the tool gives up, the request stays. */
  maxWaitSeconds?: number;
}

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

/** What one call asks for: the API, the scopes, and the tool call itself. */
export interface CallAsk {
  resource: string;
  scopes: string[];
  tool: string;
  arguments: Record<string, unknown>;
}

/**
 * The exchange for calls to `resource` (one kit client, so its DPoP key and pending approvals last):
 * a token for the call `ask.tool(ask.arguments)` on behalf of the user whose access token is
 * `userToken`, after the approval when the policy asks for one; `onStep` is told each step.
 * @throws CallRefused when Mandate refuses, the person denies, or the request expires.
 */
export function createCallExchange(opts: CallExchangeOptions, resource: string) {
  const exchange = createExchangeClient({
    issuer: opts.issuer,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    authMethod: 'client_secret_post',
    services: { api: { resource, dpop: true } },
    dpopKey: opts.key,
    fetch: opts.fetch,
  });
  return async (userToken: string, ask: CallAsk, onStep?: (s: ApprovalStep) => void): Promise<CallToken> => {
    let approved = false;
    try {
      const t = await exchange.getDownstreamToken(userToken, 'api', ask.scopes, {
        toolCall: { name: ask.tool, arguments: ask.arguments },
        approval: {
          maxWaitSeconds: opts.maxWaitSeconds ?? 60,
          onStep: (s) => {
            if (s.kind === 'pending') approved = true;
            onStep?.(s);
          },
        },
      });
      return { accessToken: t.accessToken, tokenType: t.tokenType, scope: t.scopes.join(' '), approved };
    } catch (err) {
      if (err instanceof ExchangeError) throw new CallRefused(err.error, err.description);
      throw err;
    }
  };
}
