/**
 * The decision service (design.md "The decision contract"): loads a compiled Rego bundle,
 * optionally verifies its signature, evaluates every decision in-process through WebAssembly,
 * enforces the service's invariants on the result, fails closed, and hot-swaps the bundle when
 * the file changes while keeping the last good one when the new one is broken.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { parseBundle } from './bundle.js';
import { DEFAULT_ENTRYPOINT, decisionInputSchema, policyResultSchema } from './contract.js';
import type { Decision, DecisionInput, DecisionService, Reason } from './contract.js';
import { createEvaluator } from './evaluator.js';
import type { Evaluator } from './evaluator.js';
import { enforceInvariants } from './invariants.js';
import { fastInput, fastResult } from './fast-validate.js';
import { verifyBundleSignature } from './signature.js';
import { watchForChanges } from './watch.js';
import type { FileWatch } from './watch.js';

export interface DecisionServiceOptions {
  /** Path of the bundle .tar.gz (`opa build -t wasm`). */
  bundlePath: string;
  /** Rule path in the bundle; default `mcp/authz/decision`. */
  entrypoint?: string;
  /** PEM public key: when set, only bundles signed by it load (unsigned/tampered are refused). */
  verificationKey?: string;
  /** JWS algorithms accepted for the bundle signature (asymmetric only; HS* and none are dropped). */
  verificationAlgorithms?: readonly string[];
  log: Logger;
  /** Reload when the bundle file changes. */
  watch?: boolean;
  /** Debounce and poll interval of the watch, in ms (tests shorten them). */
  watchDebounceMs?: number;
  watchPollMs?: number;
  /** Wall clock for decision timestamps (ms since the epoch). The policy's clock is `input.now`. */
  now?: () => number;
}

export interface BundleInfo {
  revision: string;
  /** SHA-256 (hex) of the bundle file. */
  digest: string;
}

export interface PolicyDecisionService extends DecisionService {
  /** Re-reads the bundle file; true when a new bundle is now in force (false: unchanged or refused). */
  reload(): Promise<boolean>;
  bundle(): BundleInfo;
}

interface Loaded {
  evaluator: Evaluator;
  info: BundleInfo;
}

function describeZod(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const i = issues[0];
  if (i === undefined) return 'invalid input';
  const at = i.path.length > 0 ? i.path.map(String).join('.') : '(root)';
  return `${at}: ${i.message}`;
}

/** What every decision carries whatever the outcome, fixed before evaluation. */
interface DecisionHead {
  decision_id: string;
  path: string;
  bundle: BundleInfo;
  timestamp: string;
  started: bigint;
}

type Outcome = Pick<Decision, 'allow' | 'scopes' | 'ttl_seconds' | 'reasons' | 'obligations'>;

// Module-level rather than closures per decision: one object literal, no spreads, on the hot path.
function finish(head: DecisionHead, outcome: Outcome, result: unknown): Decision {
  return {
    decision_id: head.decision_id,
    path: head.path,
    bundle: head.bundle,
    timestamp: head.timestamp,
    allow: outcome.allow,
    scopes: outcome.scopes,
    ttl_seconds: outcome.ttl_seconds,
    reasons: outcome.reasons,
    obligations: outcome.obligations,
    result,
    metrics: { timer_eval_ns: Number(process.hrtime.bigint() - head.started) },
  };
}

function denied(head: DecisionHead, reason: Reason, result: unknown): Decision {
  return finish(
    head,
    { allow: false, scopes: [], ttl_seconds: 0, reasons: [reason], obligations: {} },
    result,
  );
}

export async function createDecisionService(opts: DecisionServiceOptions): Promise<PolicyDecisionService> {
  const entrypoint = opts.entrypoint ?? DEFAULT_ENTRYPOINT;
  const now = opts.now ?? Date.now;
  const log = opts.log;

  const load = async (): Promise<Loaded> => {
    const bytes = await readFile(opts.bundlePath);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const bundle = await parseBundle(bytes);
    if (opts.verificationKey !== undefined) {
      await verifyBundleSignature(bundle, {
        publicKey: opts.verificationKey,
        ...(opts.verificationAlgorithms ? { algorithms: opts.verificationAlgorithms } : {}),
      });
    }
    const evaluator = await createEvaluator(bundle, entrypoint);
    const revision = typeof bundle.manifest.revision === 'string' ? bundle.manifest.revision : '';
    return { evaluator, info: { revision, digest } };
  };

  let current: Loaded;
  try {
    current = await load();
  } catch (e) {
    throw new Error(
      `policy bundle ${opts.bundlePath} cannot be loaded: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  log.info('policy bundle loaded', {
    path: opts.bundlePath,
    ...current.info,
    signed: opts.verificationKey !== undefined,
  });

  let closed = false;
  const reload = async (): Promise<boolean> => {
    let next: Loaded;
    try {
      next = await load();
    } catch (e) {
      log.warn('policy bundle refused; the last good bundle stays in force', {
        path: opts.bundlePath,
        reason: e instanceof Error ? e.message : String(e),
        revision: current.info.revision,
        digest: current.info.digest,
      });
      return false;
    }
    if (next.info.digest === current.info.digest) return false;
    // One assignment: a decision in progress keeps the evaluator it read; the next one sees the new.
    current = next;
    log.info('policy bundle reloaded', { path: opts.bundlePath, ...next.info });
    return true;
  };

  let watcher: FileWatch | undefined;
  if (opts.watch === true) {
    watcher = watchForChanges(opts.bundlePath, reload, {
      log,
      ...(opts.watchDebounceMs !== undefined ? { debounceMs: opts.watchDebounceMs } : {}),
      ...(opts.watchPollMs !== undefined ? { pollIntervalMs: opts.watchPollMs } : {}),
    });
  }

  // The ISO timestamp of the last millisecond seen: consecutive decisions mostly share it.
  let stampMs = Number.NaN;
  let stamp = '';
  const timestamp = (): string => {
    const ms = now();
    if (ms !== stampMs) {
      stamp = new Date(ms).toISOString();
      stampMs = ms;
    }
    return stamp;
  };

  const decide = (input: DecisionInput): Decision => {
    const started = process.hrtime.bigint();
    const loaded = current;
    const head: DecisionHead = {
      decision_id: randomUUID(),
      path: entrypoint,
      bundle: loaded.info,
      timestamp: timestamp(),
      started,
    };
    try {
      // The hand-written check accepts only what zod would return unchanged; zod decides the rest.
      let valid = fastInput(input);
      if (valid === undefined) {
        const parsed = decisionInputSchema.safeParse(input);
        if (!parsed.success) {
          return denied(
            head,
            { code: 'invalid_input', message: describeZod(parsed.error.issues) },
            undefined,
          );
        }
        valid = parsed.data;
      }
      let raw: unknown;
      try {
        raw = loaded.evaluator.evaluate(valid);
      } catch (e) {
        return denied(
          head,
          {
            code: 'policy_error',
            message: `evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
          },
          undefined,
        );
      }
      let result = fastResult(raw);
      if (result === undefined) {
        const checked = policyResultSchema.safeParse(raw);
        if (!checked.success) {
          return denied(
            head,
            {
              code: 'policy_error',
              message: `malformed policy result: ${describeZod(checked.error.issues)}`,
            },
            raw,
          );
        }
        result = checked.data;
      }
      return finish(head, enforceInvariants(valid, result), raw);
    } catch (e) {
      // Fail closed on anything unforeseen.
      return denied(
        head,
        { code: 'policy_error', message: e instanceof Error ? e.message : String(e) },
        undefined,
      );
    }
  };

  return {
    decide,
    ready: () => !closed,
    reload,
    bundle: () => current.info,
    close: async () => {
      closed = true;
      watcher?.close();
    },
  };
}
