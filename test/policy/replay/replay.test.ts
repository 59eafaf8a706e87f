// Replaying recorded decisions with a candidate decide: counted by recorded revision and registry,
// tallied by client and target, reason codes gained and lost counted once per decision, and the
// report people read, line by line.
import { describe, expect, it } from 'vitest';
import type { Decision, DecisionInput } from '../../../src/policy/contract.js';
import type { Outcome, RecordedDecision } from '../../../src/policy/replay/compare.js';
import {
  describeChange,
  formatReport,
  replayDecisions,
  targetOf,
} from '../../../src/policy/replay/replay.js';
import { input } from '../helpers.js';

const allow: Outcome = { allow: true, scopes: ['crm.read'], ttl_seconds: 300, reasons: [], obligations: {} };
const deny: Outcome = {
  allow: false,
  scopes: [],
  ttl_seconds: 0,
  reasons: [{ code: 'scope_not_allowed', message: 'x' }],
  obligations: {},
};

function recorded(
  id: string,
  sub: string,
  enforced: Outcome,
  over: Partial<RecordedDecision> = {},
): RecordedDecision {
  return {
    decision_id: id,
    time: `2026-12-01T10:00:0${id.length}Z`,
    input: input({ subject: { ...input().subject, sub } }),
    enforced,
    revision: 'r1',
    masked: false,
    ...over,
  };
}

/** The candidate policy: alice is denied twice over, everyone else allowed. */
function decide(i: DecisionInput): Decision {
  const o: Outcome =
    i.subject.sub === 'alice'
      ? {
          ...deny,
          reasons: [
            { code: 'gone', message: 'a' },
            { code: 'gone', message: 'b' },
          ],
        }
      : allow;
  return {
    ...o,
    decision_id: 'new',
    path: 'p',
    result: {},
    bundle: { revision: 'c', digest: 'd' },
    metrics: { timer_eval_ns: 1 },
    timestamp: 'T',
  };
}

const bundle = { revision: 'cand-1', digest: 'e'.repeat(64) };
const history = [
  recorded('1', 'alice', allow),
  recorded('22', 'bob', deny, { revision: 'r0', registry: 'f'.repeat(64), masked: true }),
  recorded('333', 'carol', allow),
];

describe('replayDecisions', () => {
  const r = replayDecisions(history, decide, bundle);

  it('counts decisions and changes in both directions', () => {
    expect(r).toMatchObject({
      bundle,
      decisions: 3,
      changed: 2,
      allow_to_deny: 1,
      deny_to_allow: 1,
      masked_inputs: 1,
    });
    expect(r.recorded_revisions).toEqual({ r1: 2, r0: 1 });
    expect(r.recorded_registries).toEqual({ none: 2, ['f'.repeat(64)]: 1 });
  });

  it('tallies by client and target, changed or not', () => {
    expect(r.by_client).toEqual({ 'claude-desktop': { decisions: 3, changed: 2 } });
    expect(r.by_target).toEqual({ 'https://api.salesforce.example': { decisions: 3, changed: 2 } });
  });

  it('counts a reason code once per decision however often it repeats', () => {
    expect(r.by_reason).toEqual({ gone: { gained: 1, lost: 0 }, scope_not_allowed: { gained: 0, lost: 1 } });
  });

  it('lists changed decisions in recorded order with before and after', () => {
    expect(r.changes.map((c) => [c.decision_id, c.subject, c.revision, c.masked])).toEqual([
      ['1', 'alice', 'r1', false],
      ['22', 'bob', 'r0', true],
    ]);
    expect(r.changes[0]).toMatchObject({
      action: 'token_exchange',
      client: 'claude-desktop',
      scopes_requested: ['crm.read'],
      before: allow,
    });
  });
});

describe('targetOf', () => {
  it('is the audience, else the resource, else (none)', () => {
    expect(targetOf(input({ target: { audience: 'a', resource: 'r' } }))).toBe('a');
    expect(targetOf(input({ target: { resource: 'r' } }))).toBe('r');
    expect(targetOf(input({ target: {} }))).toBe('(none)');
  });
});

describe('describeChange', () => {
  it('says each kind of change in one line', () => {
    expect(
      describeChange({
        allow: { before: true, after: false },
        scopes: { added: ['b'], removed: ['a', 'c'] },
        ttl_seconds: { before: 300, after: 0 },
        reasons: { added: ['x'], removed: [] },
        obligations: { before: { require_dpop: false }, after: { require_dpop: true } },
      }),
    ).toBe(
      'allow→deny; scopes +b -a -c; ttl 300→0; reasons +x; obligations {"require_dpop":false}→{"require_dpop":true}',
    );
    expect(describeChange({ allow: { before: false, after: true } })).toBe('deny→allow');
  });
});

describe('formatReport', () => {
  it('prints totals, the registry and masking notes, the summaries and each change', () => {
    const lines = formatReport(replayDecisions(history, decide, bundle));
    expect(lines).toEqual([
      'replayed 3 decisions against revision "cand-1" (sha256 eeeeeeeeeeee), recorded under "r1" (2), "r0" (1)',
      '2 changed: 1 allow→deny, 1 deny→allow, 0 otherwise (scopes, ttl, reasons, obligations)',
      `1 decisions were made with another registry (ffffffffffff (1)) than the one replayed (none: the bundle's own data; MANDATE_CONFIG names it)`,
      '1 decisions had masked input: their replay saw "[masked]" where a value was',
      'by client:',
      '  claude-desktop  2 of 3 changed',
      'by target:',
      '  https://api.salesforce.example  2 of 3 changed',
      'by reason code:',
      '  gone               +1 -0',
      '  scope_not_allowed  +0 -1',
      'changed decisions:',
      '  1 2026-12-01T10:00:01Z token_exchange alice via claude-desktop -> https://api.salesforce.example [crm.read]: allow→deny; scopes -crm.read; ttl 300→0; reasons +gone +gone',
      '      before allow [crm.read] ttl 300 reasons - (revision "r1")',
      '      after  deny [-] ttl 0 reasons gone gone',
      '  22 2026-12-01T10:00:02Z token_exchange bob via claude-desktop -> https://api.salesforce.example [crm.read]: deny→allow; scopes +crm.read; ttl 0→300; reasons -scope_not_allowed',
      '      before deny [-] ttl 0 reasons scope_not_allowed (revision "r0")',
      '      after  allow [crm.read] ttl 300 reasons -',
    ]);
  });

  it('stops after the totals when nothing changed, and names a registry by its digest prefix', () => {
    const same = replayDecisions([recorded('1', 'carol', allow, { registry: 'a'.repeat(64) })], decide, {
      ...bundle,
      registry: 'b'.repeat(64),
    });
    expect(formatReport(same)).toEqual([
      'replayed 1 decisions against revision "cand-1" (sha256 eeeeeeeeeeee), recorded under "r1" (1)',
      '0 changed: 0 allow→deny, 0 deny→allow, 0 otherwise (scopes, ttl, reasons, obligations)',
      '1 decisions were made with another registry (aaaaaaaaaaaa (1)) than the one replayed (bbbbbbbbbbbb; MANDATE_CONFIG names it)',
    ]);
    expect(formatReport(replayDecisions([], decide, bundle))[0]).toBe(
      'replayed 0 decisions against revision "cand-1" (sha256 eeeeeeeeeeee)',
    );
  });
});
