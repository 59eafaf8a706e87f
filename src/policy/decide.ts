/**
 * One decision: validate the input against the contract, evaluate, check the result against the
 * contract, enforce the invariants, and fail closed on anything else. A failing policy is logged
 * with the decision id, the bundle and the real cause; the decision carries the cause in its
 * reason (for the decision log), and the token endpoint answers with a generic error (denial.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { decisionInputSchema, policyResultSchema } from './contract.js';
import type { Decision, DecisionInput, Reason } from './contract.js';
import type { Evaluator } from './evaluator.js';
import { enforceInvariants } from './invariants.js';
import { fastInput, fastResult } from './fast-validate.js';
import type { BundleInfo } from './load.js';

export interface Current {
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

/** The policy failed this decision: say so where a security team looks, then fail closed. */
function failed(head: DecisionHead, log: Logger, code: string, message: string, result: unknown): Decision {
  log.error(
    code === 'policy_error' ? 'policy evaluation failed' : 'policy result outside the decision contract',
    {
      decision_id: head.decision_id,
      path: head.path,
      revision: head.bundle.revision,
      digest: head.bundle.digest,
      cause: message,
    },
  );
  return denied(head, { code, message }, result);
}

/**
 * One decision over the bundle in force: the input checked (the hand-written check first, zod for
 * the rest), evaluated, its result checked, the invariants enforced. Module-level like finish: no
 * closure per decision.
 */
function decideOnce(head: DecisionHead, loaded: Current, input: DecisionInput, log: Logger): Decision {
  // The hand-written check accepts only what zod would return unchanged; zod decides the rest.
  let valid = fastInput(input);
  if (valid === undefined) {
    const parsed = decisionInputSchema.safeParse(input);
    if (!parsed.success) {
      return denied(head, { code: 'invalid_input', message: describeZod(parsed.error.issues) }, undefined);
    }
    valid = parsed.data;
  }
  let raw: unknown;
  try {
    raw = loaded.evaluator.evaluate(valid);
  } catch (e) {
    return failed(head, log, 'policy_error', `evaluation failed: ${(e as Error).message}`, undefined);
  }
  let result = fastResult(raw);
  if (result === undefined) {
    const checked = policyResultSchema.safeParse(raw);
    if (!checked.success) {
      return failed(
        head,
        log,
        'policy_result_invalid',
        `the policy result is outside the decision contract: ${describeZod(checked.error.issues)}`,
        raw,
      );
    }
    result = checked.data;
  }
  return finish(head, enforceInvariants(valid, result), raw);
}

export interface DecideOptions {
  entrypoint: string;
  current: () => Current;
  /** Wall clock for decision timestamps (ms since the epoch). The policy's clock is `input.now`. */
  now: () => number;
  log: Logger;
}

export function createDecide(opts: DecideOptions): (input: DecisionInput) => Decision {
  const { entrypoint, current, now, log } = opts;
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

  return (input: DecisionInput): Decision => {
    const started = process.hrtime.bigint();
    const loaded = current();
    const head: DecisionHead = {
      decision_id: randomUUID(),
      path: entrypoint,
      bundle: loaded.info,
      timestamp: timestamp(),
      started,
    };
    try {
      return decideOnce(head, loaded, input, log);
    } catch (e) {
      // Fail closed on anything unforeseen.
      return failed(head, log, 'policy_error', e instanceof Error ? e.message : String(e), undefined);
    }
  };
}
