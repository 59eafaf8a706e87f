/**
 * The one OAuth error type lives in the MCP server kit, which Mandate shares (the server imports the
 * kit, never the reverse); this module adds the server's mapping of anything thrown to a refusal.
 */
import { OAuthError, toOAuthError as anyToOAuthError } from '@mandate/mcp-kit';
import { isDatabaseUnavailable } from '../store/errors.js';

export { OAuthError, wireDescription } from '@mandate/mcp-kit';
export type { OAuthErrorBody, OAuthErrorCode } from '@mandate/mcp-kit';

/**
 * Maps anything thrown to an OAuthError: a database that cannot serve now is
 * `temporarily_unavailable` (503 with Retry-After: the client did nothing wrong); any other unknown
 * error becomes a generic `server_error`.
 */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (isDatabaseUnavailable(err))
    return new OAuthError(
      'temporarily_unavailable',
      'the service is temporarily unavailable; try again shortly',
      {
        headers: { 'Retry-After': '2' },
        reason: 'database_unavailable',
        cause: err,
      },
    );
  return anyToOAuthError(err);
}
