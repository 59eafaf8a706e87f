/**
 * The one OAuth error type lives in the MCP server kit, which Mandate shares (the server imports the
 * kit, never the reverse); this module adds the server's mapping of anything thrown to a refusal.
 */
import { OAuthError as KitOAuthError, toOAuthError as anyToOAuthError } from '@mandate/mcp-kit';
import type { OAuthErrorCode } from '@mandate/mcp-kit';
import { isDatabaseUnavailable } from '../store/errors.js';
import type { RefusalReasonFor } from './refusals.js';

export { wireDescription } from '@mandate/mcp-kit';
export type { OAuthErrorBody, OAuthErrorCode } from '@mandate/mcp-kit';

/** The options of a refusal, its `reason` one catalogued for its `error` (refusals.ts): never omitted. */
export interface RefusalOptions<E extends OAuthErrorCode> {
  status?: number;
  headers?: Record<string, string>;
  reason: RefusalReasonFor<E>;
  cause?: unknown;
  challengeOnly?: boolean;
}

/**
 * The kit's OAuthError, the very class (so `instanceof` is one check for Mandate's refusals and the
 * kit's), with a constructor that demands a catalogued reason for the error it is given: a refusal
 * without one, or with one missing from refusals.ts or filed there under another wire error, does
 * not compile. So every refusal's audit `reason` is a catalogue member (`auditReason`).
 */
export const OAuthError = KitOAuthError as unknown as {
  new <E extends OAuthErrorCode>(error: E, description: string, options: RefusalOptions<E>): KitOAuthError;
  readonly prototype: KitOAuthError;
};
/** An OAuth refusal (the kit's class; see {@link OAuthError}). */
export type OAuthError = KitOAuthError;

/**
 * The reason of a refusal caught to be re-thrown. The kit's class types it as a string; every
 * refusal Mandate constructs has a catalogued one (the constructor above), and the kit's that reach
 * Mandate are DPoP's, catalogued as a family.
 */
export function reasonOf(err: KitOAuthError): RefusalReasonFor<OAuthErrorCode> | undefined {
  return err.reason as RefusalReasonFor<OAuthErrorCode> | undefined;
}

/**
 * The catalogued reason a refusal is audited with: its own, which every refusal Mandate constructs
 * has (the constructor above) and so do the kit's that reach Mandate (DPoP's), or `internal_error`
 * for the kit's generic `server_error` (`toOAuthError` of an unexpected failure), which has none.
 * Never the description: that is text for people, and may quote what the client sent.
 */
export function auditReason(err: KitOAuthError): RefusalReasonFor<OAuthErrorCode> {
  return reasonOf(err) ?? 'internal_error';
}

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
