/**
 * What a failed metadata fetch means on the wire: the host being down or slow is an outage
 * (`temporarily_unavailable`, 503 with Retry-After: the client did nothing wrong); anything else
 * (private address, redirect, not JSON, too large, 404) means the client_id names no usable client.
 */
import { OAuthError } from '../../errors.js';
import {
  FetchFailure,
  fetchJson,
  type FetchedJson,
  type FetchTarget,
  type SafeFetchOptions,
} from './safe-fetch.js';

const WHAT: Record<FetchTarget, string> = {
  metadata_document: 'the client metadata document',
  jwks_uri: "the client's jwks_uri",
};

/** Fetches `url` (safe-fetch.ts), tells `opts.observe` how it went, and refuses a failure on the wire. */
export async function fetchForClient(
  url: URL,
  opts: SafeFetchOptions,
  target: FetchTarget,
): Promise<FetchedJson> {
  let fetched: FetchedJson;
  try {
    fetched = await fetchJson(url, opts);
  } catch (err) {
    opts.observe?.(target, err instanceof FetchFailure ? err.reason : 'error');
    throw fetchError(err, WHAT[target]);
  }
  opts.observe?.(target, 'ok');
  return fetched;
}

export function fetchError(err: unknown, what: string): unknown {
  if (!(err instanceof FetchFailure)) return err;
  if (err.outage)
    return new OAuthError('temporarily_unavailable', `${what} could not be fetched: ${err.message}`, {
      headers: { 'Retry-After': '5' },
      reason: `cimd_${err.reason}`,
    });
  return new OAuthError('invalid_client', `${what} could not be used: ${err.message}`, {
    reason: `cimd_${err.reason}`,
  });
}
