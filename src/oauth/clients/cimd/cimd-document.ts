/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25): a
 * `client_id` that is an HTTPS URL names a JSON document describing the client. This module checks
 * the URL's shape (§3) and turns a fetched document into a client record (§4).
 */
import type { ClientRecord } from '../../../store/clients.js';
import { OAuthError } from '../../errors.js';
import { parseClientMetadata, selfRegisteredClient } from '../client-metadata.js';

/** Whether `clientId` is meant as a metadata document URL (anything starting `https://`). */
export function isCimdClientId(clientId: string): boolean {
  return clientId.startsWith('https://');
}

function refuse(description: string, reason: 'url' | 'client_id_mismatch' | 'metadata'): OAuthError {
  return new OAuthError('invalid_client', description, { reason: `cimd_${reason}` });
}

/** §3: https, a path, no dot segments, no fragment, no credentials. Returns the parsed URL. */
export function parseCimdUrl(clientId: string): URL {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw refuse('client_id is not a valid URL', 'url');
  }
  if (url.protocol !== 'https:') throw refuse('a URL client_id must use https', 'url');
  if (url.pathname === '/' || url.pathname === '')
    throw refuse('a URL client_id must have a path component', 'url');
  // Checked on the raw string: the URL parser has already removed dot segments from `pathname`.
  const rawPath = clientId.slice(clientId.indexOf('/', 'https://'.length)).split(/[?#]/, 1)[0] ?? '';
  const dotted = (seg: string) => ['.', '..'].includes(seg.replace(/%2e/gi, '.'));
  if (rawPath.split('/').some(dotted))
    throw refuse('a URL client_id must not contain dot path segments', 'url');
  if (clientId.includes('#')) throw refuse('a URL client_id must not contain a fragment', 'url');
  if (url.username !== '' || url.password !== '')
    throw refuse('a URL client_id must not contain credentials', 'url');
  return url;
}

/**
 * Validates a fetched document for `clientId` and returns the client it describes. Any problem is
 * `invalid_client`: the client_id does not identify a usable client.
 */
export function cimdClientRecord(
  clientId: string,
  body: unknown,
  now: number,
  expiresAt: number,
): ClientRecord {
  const declared = (body as { client_id?: unknown } | null)?.client_id;
  // §4.1: the document's client_id equals its URL, compared as strings (RFC 3986 §6.2.1).
  if (declared !== clientId)
    throw refuse('the metadata document names a different client_id than its URL', 'client_id_mismatch');
  let m;
  try {
    m = parseClientMetadata(body, 'cimd');
  } catch (err) {
    throw refuse(`the client metadata document is invalid: ${(err as Error).message}`, 'metadata');
  }
  return selfRegisteredClient(m, {
    clientId,
    // Shown on the consent page; without a name, where the client lives is the honest label.
    clientName: m.clientName ?? new URL(clientId).host,
    secretHash: null,
    kind: 'cimd',
    now,
    lastUsedAt: now,
    expiresAt,
  });
}
