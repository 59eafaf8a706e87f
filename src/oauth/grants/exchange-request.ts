/**
 * Token exchange, step one: the request's parameters (RFC 8693 §2.1) as a typed request, refused
 * with `invalid_request` or `invalid_target` before any token is looked at.
 */
import type { DecisionInput } from '../../policy/contract.js';
import { OAuthError } from '../errors.js';
import { parseScope, type Params } from '../params.js';
import { TokenType } from '../tokens/token-types.js';
import { parseAuthorizationDetails, type ToolCallDetail } from './authorization-details.js';

/** The token types an exchange issues (an ID-JAG is issue-id-jag.ts's). */
const issuable = new Set<string>([TokenType.accessToken, TokenType.jwt]);

export interface ExchangeRequest {
  subjectToken: string;
  subjectTokenType: string;
  /** `actor_token` with its `actor_token_type`: both or neither (§2.1). */
  actor?: { token: string; tokenType: string };
  requestedTokenType: string;
  target: DecisionInput['target'];
  /** The `scope` parameter, when sent. */
  scopes: string[] | undefined;
  /** RFC 9396 `authorization_details`: the tool call the token is for, when the client said. */
  toolCall?: ToolCallDetail;
}

/** One target service per exchange: at most one `resource` and one `audience` (RFC 8693 §2.1). */
function target(resources: string[], audiences: string[]): DecisionInput['target'] {
  if (resources.length > 1 || audiences.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one target service at a time', {
      reason: 'resource_many',
    });
  const [resource] = resources;
  const [audience] = audiences;
  if (resource === undefined && audience === undefined)
    throw new OAuthError('invalid_request', "missing required parameter 'resource' or 'audience'", {
      reason: 'parameter_missing',
    });
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    let url: URL | undefined;
    try {
      url = new URL(resource);
    } catch {
      url = undefined;
    }
    if (url === undefined || resource.includes('#'))
      throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment', {
        reason: 'resource_malformed',
      });
  }
  return { ...(resource === undefined ? {} : { resource }), ...(audience === undefined ? {} : { audience }) };
}

/**
 * The request of `p`; `subject` stands for `subject_token` and its type where another profile names
 * the subject token otherwise (CIBA's `login_hint_token` at the backchannel authentication endpoint).
 */
export function parseExchangeRequest(
  p: Params,
  subject?: { token: string; tokenType: string },
): ExchangeRequest {
  const subjectToken = subject?.token ?? p.require('subject_token');
  const subjectTokenType = subject?.tokenType ?? p.require('subject_token_type');
  const actorToken = p.get('actor_token');
  const actorType = p.get('actor_token_type');
  if (actorToken !== undefined && actorType === undefined)
    throw new OAuthError(
      'invalid_request',
      "missing required parameter 'actor_token_type' (actor_token is present)",
      { reason: 'parameter_missing' },
    );
  if (actorToken === undefined && actorType !== undefined)
    throw new OAuthError('invalid_request', "'actor_token_type' must not be sent without 'actor_token'", {
      reason: 'actor_token_type_unused',
    });
  const requestedTokenType = p.get('requested_token_type') ?? TokenType.accessToken;
  if (!issuable.has(requestedTokenType))
    throw new OAuthError('invalid_request', `requested_token_type '${requestedTokenType}' is not supported`, {
      reason: 'requested_token_type',
    });
  return {
    subjectToken,
    subjectTokenType,
    ...(actorToken === undefined || actorType === undefined
      ? {}
      : { actor: { token: actorToken, tokenType: actorType } }),
    requestedTokenType,
    target: target(p.all('resource'), p.all('audience')),
    scopes: parseScope(p.get('scope')),
    ...toolCallOf(p),
  };
}

function toolCallOf(p: Params): { toolCall?: ToolCallDetail } {
  const toolCall = parseAuthorizationDetails(p.get('authorization_details'));
  return toolCall === undefined ? {} : { toolCall };
}
