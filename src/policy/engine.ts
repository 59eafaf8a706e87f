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
import type { BundleInfo, LoadOptions } from './load.js';
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

/** Where bundles come from and how they load: the same for the first bundle and every reload. */
interface Loading {
  source: BundleSource;
  loadOpts: LoadOptions;
  log: Logger;
  registry: PolicyRegistry | undefined;
  /** The wall clock as an ISO timestamp. */
  iso: () => string;
}

/** The bundle in force, when it was loaded, and how the last reload went. */
interface InForce {
  current: Current;
  loadedAt: string;
  lastReload: ReloadOutcome | undefined;
}

function sourceOf(opts: DecisionServiceOptions): BundleSource {
  return (
    opts.source ??
    fileSource(opts.bundlePath ?? '', {
      log: opts.log,
      ...(opts.watchDebounceMs !== undefined ? { debounceMs: opts.watchDebounceMs } : {}),
      ...(opts.watchPollMs !== undefined ? { pollIntervalMs: opts.watchPollMs } : {}),
    })
  );
}

function noteDropped(l: Loading, dropped: readonly string[], info: BundleInfo): void {
  if (dropped.length > 0)
    l.log.warn(
      "the bundle's data names entries the configuration's registry does not register; they are left out (ADR 0007)",
      { entries: dropped, registry_source: l.registry?.source, ...info },
    );
}

/** The first bundle: without one the service does not start. */
async function loadFirst(l: Loading): Promise<InForce> {
  try {
    const bytes = await l.source.fetch();
    if (bytes === undefined) throw new Error('the source has no bundle');
    const loaded = await loadBundle(bytes, l.loadOpts);
    const inForce = {
      current: { evaluator: loaded.evaluator, info: loaded.info },
      loadedAt: l.iso(),
      lastReload: undefined,
    };
    noteDropped(l, loaded.dropped, loaded.info);
    return inForce;
  } catch (e) {
    throw new Error(`policy bundle ${l.source.location} cannot be loaded: ${message(e)}`, { cause: e });
  }
}

/** A bundle the source has but that does not load: the last good one stays in force. */
function noteRefused(l: Loading, f: InForce, e: unknown): void {
  const refused = e instanceof BundleRefusedError ? e : undefined;
  f.lastReload = {
    at: l.iso(),
    outcome: 'refused',
    reason: message(e),
    ...(refused === undefined ? {} : { digest: refused.digest }),
    ...(refused?.revision === undefined ? {} : { revision: refused.revision }),
  };
  l.log.warn('policy bundle refused; the last good bundle stays in force', {
    source: l.source.location,
    reason: message(e),
    refused_digest: refused?.digest,
    refused_revision: refused?.revision,
    ...f.current.info,
  });
}

/** Fetches the bundle again and swaps it in when it is new and loads; true when it did. */
async function reloadInto(l: Loading, f: InForce): Promise<boolean> {
  let bytes: Buffer | undefined;
  try {
    bytes = await l.source.fetch();
  } catch (e) {
    f.lastReload = { at: l.iso(), outcome: 'fetch_failed', reason: message(e) };
    l.log.warn('policy bundle cannot be fetched; the last good bundle stays in force', {
      source: l.source.location,
      reason: message(e),
      ...f.current.info,
    });
    return false;
  }
  if (bytes === undefined) {
    // 304 Not Modified: the bundle server answers again, offering what it offered before.
    if (f.lastReload?.outcome === 'fetch_failed')
      f.lastReload = { at: l.iso(), outcome: 'unchanged', digest: f.current.info.digest };
    return false;
  }
  if (sha256Hex(bytes) === f.current.info.digest) {
    f.lastReload = { at: l.iso(), outcome: 'unchanged', digest: f.current.info.digest };
    return false;
  }
  try {
    const next = await loadBundle(bytes, l.loadOpts);
    // One assignment: a decision in progress keeps the evaluator it read; the next one sees the new.
    f.current = { evaluator: next.evaluator, info: next.info };
    f.loadedAt = l.iso();
    f.lastReload = { at: f.loadedAt, outcome: 'loaded', ...next.info };
    l.log.info('policy bundle reloaded', { source: l.source.location, ...next.info });
    noteDropped(l, next.dropped, next.info);
    return true;
  } catch (e) {
    noteRefused(l, f, e);
    return false;
  }
}

export async function createDecisionService(opts: DecisionServiceOptions): Promise<PolicyDecisionService> {
  const entrypoint = opts.entrypoint ?? DEFAULT_ENTRYPOINT;
  const now = opts.now ?? Date.now;
  const { log } = opts;
  const source = sourceOf(opts);
  const l: Loading = {
    source,
    loadOpts: {
      entrypoint,
      verificationKey: opts.verificationKey,
      verificationAlgorithms: opts.verificationAlgorithms,
      registry: opts.registry,
    },
    log,
    registry: opts.registry,
    iso: () => new Date(now()).toISOString(),
  };
  const signed = opts.verificationKey !== undefined;
  const f = await loadFirst(l);
  log.info('policy bundle loaded', { source: source.location, ...f.current.info, signed });
  if (source.remote && !signed)
    log.warn(
      'policy bundles come from a bundle server and MANDATE_POLICY_PUBLIC_KEY is not set: whoever can answer for that URL decides policy',
      { source: source.location },
    );
  const reload = (): Promise<boolean> => reloadInto(l, f);
  let closed = false;
  const watcher = opts.watch === true ? source.watch(reload) : undefined;
  return {
    decide: createDecide({ entrypoint, current: () => f.current, now, log }),
    ready: () => !closed,
    reload,
    bundle: () => f.current.info,
    status: () => ({
      source: source.location,
      ...f.current.info,
      loaded_at: f.loadedAt,
      signed,
      ...(f.lastReload === undefined ? {} : { last_reload: f.lastReload }),
    }),
    close: async () => {
      closed = true;
      watcher?.close();
    },
  };
}
