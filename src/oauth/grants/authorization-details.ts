/**
 * RFC 9396 `authorization_details` on a token exchange (and the same request at the backchannel
 * authentication endpoint): the one action the token is for, so that the policy can decide on it
 * (a Workday change above a threshold waits for a person, ADR 0014). Mandate's type,
 * `mcp_tool_call`, names the MCP tool and its arguments; they reach the decision as
 * `context.tool` and `context.arguments`, exactly as a tool call's AuthZEN evaluation does.
 */
import { jsonValueProblem } from '../../text.js';
import { OAuthError } from '../errors.js';

/** RFC 9396 §2: the `type` of Mandate's authorization detail. */
export const TOOL_CALL_DETAIL = 'mcp_tool_call';
const MAX_LENGTH = 8192;

export interface ToolCallDetail {
  tool: string;
  arguments?: Record<string, unknown>;
}

const invalid = (why: string): OAuthError =>
  new OAuthError('invalid_authorization_details', `authorization_details ${why}`, {
    reason: 'authorization_details',
  });

const plainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/** The parameter's one `mcp_tool_call` detail, or undefined when none was sent (RFC 9396 §5 errors). */
export function parseAuthorizationDetails(raw: string | undefined): ToolCallDetail | undefined {
  if (raw === undefined) return undefined;
  if (raw.length > MAX_LENGTH) throw invalid(`must be at most ${MAX_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('must be a JSON array');
  }
  if (!Array.isArray(parsed) || parsed.length !== 1) throw invalid('must be a JSON array of one object');
  const [d] = parsed as unknown[];
  if (!plainObject(d) || d.type !== TOOL_CALL_DETAIL) throw invalid(`must be of type ${TOOL_CALL_DETAIL}`);
  for (const k of Object.keys(d))
    if (k !== 'type' && k !== 'tool' && k !== 'arguments') throw invalid(`has an unknown member ${k}`);
  if (typeof d.tool !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(d.tool))
    throw invalid('tool must be a tool name');
  if (d.arguments !== undefined && !plainObject(d.arguments)) throw invalid('arguments must be an object');
  const problem = jsonValueProblem(d.arguments);
  if (problem !== undefined) throw invalid(`arguments ${problem}`);
  return { tool: d.tool, ...(d.arguments === undefined ? {} : { arguments: d.arguments }) };
}
