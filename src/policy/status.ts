/**
 * What the decision service reports about its bundle (for /readyz and operators): the bundle in
 * force, and what happened at the last reload: a new bundle loaded, the same bundle again, a
 * refused bundle (named by digest and revision, with the reason), or a failed fetch.
 */
export interface ReloadOutcome {
  /** ISO 8601 time of the attempt. */
  at: string;
  outcome: 'loaded' | 'unchanged' | 'refused' | 'fetch_failed';
  /** Why a bundle was refused or could not be fetched. */
  reason?: string;
  /** The refused (or loaded) bundle's SHA-256 and revision, when known. */
  digest?: string;
  revision?: string;
}

export interface PolicyStatus {
  /** Path or URL the bundles come from. */
  source: string;
  revision: string;
  digest: string;
  /** ISO 8601 time the bundle in force was loaded. */
  loaded_at: string;
  /** True when only signed bundles are accepted. */
  signed: boolean;
  last_reload?: ReloadOutcome;
}

/**
 * The policy's entry in /readyz: ready while a bundle is in force, even when the last reload was
 * refused (the last good bundle keeps serving), with what a security team needs to see why.
 */
export function policyReadiness(
  ready: boolean,
  status: PolicyStatus,
): { ok: boolean; detail: string; [field: string]: unknown } {
  const last = status.last_reload;
  const detail =
    `revision ${JSON.stringify(status.revision)} (sha256 ${status.digest.slice(0, 12)}) from ${status.source}` +
    (last === undefined || last.outcome === 'loaded' || last.outcome === 'unchanged'
      ? ''
      : last.outcome === 'refused'
        ? `; the bundle offered at ${last.at} (sha256 ${last.digest?.slice(0, 12) ?? '?'}${
            last.revision === undefined ? '' : `, revision ${JSON.stringify(last.revision)}`
          }) was refused: ${last.reason ?? ''}; the last good bundle stays in force`
        : `; fetching at ${last.at} failed: ${last.reason ?? ''}; the last good bundle stays in force`);
  return { ok: ready, detail, ...status };
}
