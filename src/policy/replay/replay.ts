/**
 * Replay (issue 13 §1): re-decides recorded decisions' `input` with a candidate bundle, through
 * the service's own decide (contract checks, invariants, fail closed), and reports every decision
 * whose enforced outcome would change, summarised by client, target (downstream service or MCP
 * server) and reason code. The policy's clock is `input.now`, so a decision replayed against the
 * bundle that made it comes out the same.
 */
import type { Decision, DecisionInput } from '../contract.js';
import { reasonCode } from '../reasons.js';
import { compareOutcomes, outcomeOf } from './compare.js';
import type { Outcome, OutcomeChange, RecordedDecision } from './compare.js';

export interface ChangedDecision {
  decision_id: string;
  time: string;
  action: string;
  subject: string;
  client: string;
  target: string;
  scopes_requested: string[];
  /** The revision that decided it originally. */
  revision: string;
  masked: boolean;
  before: Outcome;
  after: Outcome;
  change: OutcomeChange;
}

export interface Tally {
  decisions: number;
  changed: number;
}

export interface ReplayReport {
  /** The candidate bundle, and the digest of the registry overlaid onto it (ADR 0007). */
  bundle: { revision: string; digest: string; registry?: string };
  /** Decisions replayed, by the revision that recorded them. */
  recorded_revisions: Record<string, number>;
  /** Decisions replayed, by the digest of the registry they were decided with (`none`: the bundle's own data). */
  recorded_registries: Record<string, number>;
  decisions: number;
  changed: number;
  allow_to_deny: number;
  deny_to_allow: number;
  /** Decisions whose input the audit had masked (their replay saw `[masked]`). */
  masked_inputs: number;
  by_client: Record<string, Tally>;
  by_target: Record<string, Tally>;
  /** Per reason code: in how many decisions it appears after replay and not before, and the reverse. */
  by_reason: Record<string, { gained: number; lost: number }>;
  /** Every changed decision, in the order recorded. */
  changes: ChangedDecision[];
}

/** The target a decision is about: the audience asked for, else the resource. */
export function targetOf(input: DecisionInput): string {
  return input.target.audience ?? input.target.resource ?? '(none)';
}

function tally(map: Record<string, Tally>, key: string, changed: boolean): void {
  const t = (map[key] ??= { decisions: 0, changed: 0 });
  t.decisions += 1;
  if (changed) t.changed += 1;
}

export function replayDecisions(
  recorded: Iterable<RecordedDecision>,
  decide: (input: DecisionInput) => Decision,
  bundle: { revision: string; digest: string; registry?: string },
): ReplayReport {
  const report: ReplayReport = {
    bundle,
    recorded_revisions: {},
    recorded_registries: {},
    decisions: 0,
    changed: 0,
    allow_to_deny: 0,
    deny_to_allow: 0,
    masked_inputs: 0,
    by_client: {},
    by_target: {},
    by_reason: {},
    changes: [],
  };
  for (const r of recorded) {
    report.decisions += 1;
    report.recorded_revisions[r.revision] = (report.recorded_revisions[r.revision] ?? 0) + 1;
    const registry = r.registry ?? 'none';
    report.recorded_registries[registry] = (report.recorded_registries[registry] ?? 0) + 1;
    if (r.masked) report.masked_inputs += 1;
    const after = outcomeOf(decide(r.input));
    const change = compareOutcomes(r.enforced, after);
    const client = r.input.client.client_id;
    const target = targetOf(r.input);
    tally(report.by_client, client, change !== undefined);
    tally(report.by_target, target, change !== undefined);
    if (change === undefined) continue;
    report.changed += 1;
    if (change.allow?.before === true) report.allow_to_deny += 1;
    if (change.allow?.before === false) report.deny_to_allow += 1;
    for (const code of new Set(change.reasons?.added ?? []))
      (report.by_reason[code] ??= { gained: 0, lost: 0 }).gained += 1;
    for (const code of new Set(change.reasons?.removed ?? []))
      (report.by_reason[code] ??= { gained: 0, lost: 0 }).lost += 1;
    report.changes.push({
      decision_id: r.decision_id,
      time: r.time,
      action: r.input.action,
      subject: r.input.subject.sub,
      client,
      target,
      scopes_requested: r.input.scopes,
      revision: r.revision,
      masked: r.masked,
      before: r.enforced,
      after,
      change,
    });
  }
  return report;
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? '-' : xs.join(' '));

/** One line saying what changed in a decision, e.g. `allow→deny; scopes -crm.write; ttl 300→0`. */
export function describeChange(c: OutcomeChange): string {
  const parts: string[] = [];
  if (c.allow) parts.push(c.allow.before ? 'allow→deny' : 'deny→allow');
  if (c.scopes)
    parts.push(
      `scopes${c.scopes.added.map((s) => ` +${s}`).join('')}${c.scopes.removed.map((s) => ` -${s}`).join('')}`,
    );
  if (c.ttl_seconds) parts.push(`ttl ${c.ttl_seconds.before}→${c.ttl_seconds.after}`);
  if (c.reasons)
    parts.push(
      `reasons${c.reasons.added.map((s) => ` +${s}`).join('')}${c.reasons.removed.map((s) => ` -${s}`).join('')}`,
    );
  if (c.obligations)
    parts.push(`obligations ${JSON.stringify(c.obligations.before)}→${JSON.stringify(c.obligations.after)}`);
  return parts.join('; ');
}

function table(title: string, rows: Record<string, Tally>): string[] {
  const keys = Object.keys(rows).sort();
  if (keys.length === 0) return [];
  const width = Math.max(...keys.map((k) => k.length));
  return [
    `by ${title}:`,
    ...keys.map((k) => `  ${k.padEnd(width)}  ${rows[k]!.changed} of ${rows[k]!.decisions} changed`),
  ];
}

/** The report as people read it: totals, the three summaries, then every changed decision. */
export function formatReport(r: ReplayReport): string[] {
  const recorded = Object.entries(r.recorded_revisions)
    .map(([rev, n]) => `${JSON.stringify(rev)} (${n})`)
    .join(', ');
  const lines = [
    `replayed ${r.decisions} decisions against revision ${JSON.stringify(r.bundle.revision)} (sha256 ${r.bundle.digest.slice(0, 12)})${
      recorded === '' ? '' : `, recorded under ${recorded}`
    }`,
    `${r.changed} changed: ${r.allow_to_deny} allow→deny, ${r.deny_to_allow} deny→allow, ${
      r.changed - r.allow_to_deny - r.deny_to_allow
    } otherwise (scopes, ttl, reasons, obligations)`,
  ];
  const candidate = r.bundle.registry ?? 'none';
  const otherRegistry = Object.entries(r.recorded_registries).filter(([d]) => d !== candidate);
  if (otherRegistry.length > 0)
    lines.push(
      `${otherRegistry.reduce((n, [, k]) => n + k, 0)} decisions were made with another registry (${otherRegistry
        .map(([d, n]) => `${d === 'none' ? 'none' : d.slice(0, 12)} (${n})`)
        .join(
          ', ',
        )}) than the one replayed (${candidate === 'none' ? "none: the bundle's own data" : candidate.slice(0, 12)}; MANDATE_CONFIG names it)`,
    );
  if (r.masked_inputs > 0)
    lines.push(
      `${r.masked_inputs} decisions had masked input: their replay saw "[masked]" where a value was`,
    );
  if (r.changed === 0) return lines;
  lines.push(...table('client', r.by_client), ...table('target', r.by_target));
  const codes = Object.keys(r.by_reason).sort();
  if (codes.length > 0) {
    const width = Math.max(...codes.map((k) => k.length));
    lines.push(
      'by reason code:',
      ...codes.map((k) => `  ${k.padEnd(width)}  +${r.by_reason[k]!.gained} -${r.by_reason[k]!.lost}`),
    );
  }
  lines.push('changed decisions:');
  for (const c of r.changes) {
    lines.push(
      `  ${c.decision_id} ${c.time} ${c.action} ${c.subject} via ${c.client} -> ${c.target} [${list(c.scopes_requested)}]: ${describeChange(c.change)}`,
    );
    const codes = (o: Outcome): string => list(o.reasons.map(reasonCode));
    lines.push(
      `      before ${c.before.allow ? 'allow' : 'deny'} [${list(c.before.scopes)}] ttl ${c.before.ttl_seconds} reasons ${codes(c.before)} (revision ${JSON.stringify(c.revision)})`,
      `      after  ${c.after.allow ? 'allow' : 'deny'} [${list(c.after.scopes)}] ttl ${c.after.ttl_seconds} reasons ${codes(c.after)}`,
    );
  }
  return lines;
}
