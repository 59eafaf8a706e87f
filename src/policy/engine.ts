/**
 * The decision service (design.md "The decision contract"): loads a compiled Rego bundle from its
 * source (a file or a bundle server), optionally verifies its signature, evaluates every decision
 * in-process through WebAssembly (decide.ts), and hot-swaps the bundle when the source has a new
 * one while keeping the last good one when the new one is broken.
 */
import type { Logger } from '../log.js';
import { DEFAULT_ENTRYPOINT } from './contract.js';
import type { DecisionService } from './contract.js';
import { createDecide } from './decide.js';
import type { Current } from './decide.js';
import { BundleRefusedError, loadBundle, sha256Hex } from './load.js';
import type { BundleInfo } from './load.js';
import type { PolicyRegistry } from './registry.js';
import { fileSource } from './source.js';
import type { BundleSource } from './source.js';
import type { PolicyStatus, ReloadOutcome } from './status.js';

export type { BundleInfo } from './load.js';

export interface DecisionServiceOptions {
  /** Path of the bundle .tar.gz (`mandate policy build`); ignored when `source` is given. */
  bundlePath?: string;
  /** Where bundles come from (default: the file at bundlePath, watched when `watch`). */
  source?: BundleSource;
  /** Rule path in the bundle; default `mcp/authz/decision`. */
  entrypoint?: string;
  /** PEM public key: when set, only bundles signed by it load (unsigned/tampered are refused). */
  verificationKey?: string;
  /** JWS algorithms accepted for the bundle signature (asymmetric only; HS* and none are dropped). */
  verificationAlgorithms?: readonly string[];
  log: Logger;
  /** Reload when the source has a new bundle. */
  watch?: boolean;
  /** Debounce and poll interval of the file watch, in ms (tests shorten them). */
  watchDebounceMs?: number;
  watchPollMs?: number;
  /** Wall clock for decision timestamps (ms since the epoch). The policy's clock is `input.now`. */
  now?: () => number;
  /** The configuration's registry, overlaid onto every bundle's data (ADR 0007). */
  registry?: PolicyRegistry | undefined;
}

export interface PolicyDecisionService extends DecisionService {
  /** Fetches the bundle again; true when a new bundle is now in force (false: unchanged or refused). */
  reload(): Promise<boolean>;
  bundle(): BundleInfo;
  status(): PolicyStatus;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function createDecisionService(opts: DecisionServiceOptions): Promise<PolicyDecisionService> {
  const entrypoint = opts.entrypoint ?? DEFAULT_ENTRYPOINT;
  const now = opts.now ?? Date.now;
  const log = opts.log;
  const source =
    opts.source ??
    fileSource(opts.bundlePath ?? '', {
      log,
      ...(opts.watchDebounceMs !== undefined ? { debounceMs: opts.watchDebounceMs } : {}),
      ...(opts.watchPollMs !== undefined ? { pollIntervalMs: opts.watchPollMs } : {}),
    });
  const loadOpts = {
    entrypoint,
    verificationKey: opts.verificationKey,
    verificationAlgorithms: opts.verificationAlgorithms,
    registry: opts.registry,
  };
  const noteDropped = (dropped: readonly string[], info: BundleInfo): void => {
    if (dropped.length > 0)
      log.warn(
        "the bundle's data names entries the configuration's registry does not register; they are left out (ADR 0007)",
        { entries: dropped, registry_source: opts.registry?.source, ...info },
      );
  };
  const signed = opts.verificationKey !== undefined;
  const iso = (): string => new Date(now()).toISOString();

  let current: Current;
  let loadedAt: string;
  try {
    const bytes = await source.fetch();
    if (bytes === undefined) throw new Error('the source has no bundle');
    const loaded = await loadBundle(bytes, loadOpts);
    current = { evaluator: loaded.evaluator, info: loaded.info };
    loadedAt = iso();
    noteDropped(loaded.dropped, loaded.info);
  } catch (e) {
    throw new Error(`policy bundle ${source.location} cannot be loaded: ${message(e)}`, { cause: e });
  }
  let lastReload: ReloadOutcome | undefined;
  log.info('policy bundle loaded', { source: source.location, ...current.info, signed });
  if (source.remote && !signed)
    log.warn(
      'policy bundles come from a bundle server and MANDATE_POLICY_PUBLIC_KEY is not set: whoever can answer for that URL decides policy',
      { source: source.location },
    );

  const reload = async (): Promise<boolean> => {
    let bytes: Buffer | undefined;
    try {
      bytes = await source.fetch();
    } catch (e) {
      lastReload = { at: iso(), outcome: 'fetch_failed', reason: message(e) };
      log.warn('policy bundle cannot be fetched; the last good bundle stays in force', {
        source: source.location,
        reason: message(e),
        ...current.info,
      });
      return false;
    }
    if (bytes === undefined) {
      // 304 Not Modified: the bundle server answers again, offering what it offered before.
      if (lastReload?.outcome === 'fetch_failed')
        lastReload = { at: iso(), outcome: 'unchanged', digest: current.info.digest };
      return false;
    }
    if (sha256Hex(bytes) === current.info.digest) {
      lastReload = { at: iso(), outcome: 'unchanged', digest: current.info.digest };
      return false;
    }
    try {
      const next = await loadBundle(bytes, loadOpts);
      // One assignment: a decision in progress keeps the evaluator it read; the next one sees the new.
      current = { evaluator: next.evaluator, info: next.info };
      loadedAt = iso();
      lastReload = { at: loadedAt, outcome: 'loaded', ...next.info };
      log.info('policy bundle reloaded', { source: source.location, ...next.info });
      noteDropped(next.dropped, next.info);
      return true;
    } catch (e) {
      const refused = e instanceof BundleRefusedError ? e : undefined;
      lastReload = {
        at: iso(),
        outcome: 'refused',
        reason: message(e),
        ...(refused === undefined ? {} : { digest: refused.digest }),
        ...(refused?.revision === undefined ? {} : { revision: refused.revision }),
      };
      log.warn('policy bundle refused; the last good bundle stays in force', {
        source: source.location,
        reason: message(e),
        refused_digest: refused?.digest,
        refused_revision: refused?.revision,
        ...current.info,
      });
      return false;
    }
  };

  let closed = false;
  const watcher = opts.watch === true ? source.watch(reload) : undefined;

  return {
    decide: createDecide({ entrypoint, current: () => current, now, log }),
    ready: () => !closed,
    reload,
    bundle: () => current.info,
    status: () => ({
      source: source.location,
      ...current.info,
      loaded_at: loadedAt,
      signed,
      ...(lastReload === undefined ? {} : { last_reload: lastReload }),
    }),
    close: async () => {
      closed = true;
      watcher?.close();
    },
  };
}
