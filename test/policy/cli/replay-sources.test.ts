// Where replay reads recorded decisions: --since/--until instants (RFC 3339 or a span before now),
// decision events picked out of any audit events inside the window, unreadable ones counted, and
// a JSON-lines file read as the relay writes it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decisionEvent } from '../../../src/audit/build-events.js';
import type { AuditToolConfig } from '../../../src/config/index.js';
import type { Decision } from '../../../src/policy/contract.js';
import { parseInstant, readRecorded, recordedDecisions } from '../../../src/policy/cli/replay-sources.js';
import { input, tempDir } from '../helpers.js';

const now = Date.UTC(2026, 11, 2, 12, 0, 0);

function event(id: string, at: string, over: Partial<Decision> = {}) {
  const decision: Decision = {
    decision_id: id,
    path: 'mcp/authz/decision',
    allow: true,
    scopes: ['crm.read'],
    ttl_seconds: 300,
    reasons: [],
    obligations: {},
    result: {},
    bundle: { revision: 'r1', digest: 'a'.repeat(64) },
    metrics: { timer_eval_ns: 1 },
    timestamp: at,
    ...over,
  };
  // Replay reads what the chain holds: sealed events (the seal itself is not checked here).
  const seal = { sequence: '0000000000000001', prevhash: '0'.repeat(64), hash: 'f'.repeat(64) };
  return { ...decisionEvent({ decision, input: input() }, 'https://mandate.example', new Date(at)), ...seal };
}

describe('parseInstant', () => {
  it('reads spans before now in s, m, h and d', () => {
    expect(parseInstant('90s', now)).toBe(now - 90_000);
    expect(parseInstant('90m', now)).toBe(now - 90 * 60_000);
    expect(parseInstant('24h', now)).toBe(now - 86_400_000);
    expect(parseInstant('7d', now)).toBe(now - 7 * 86_400_000);
  });

  it('reads RFC 3339 dates and date-times with a zone', () => {
    expect(parseInstant('2026-12-01', now)).toBe(Date.UTC(2026, 11, 1));
    expect(parseInstant('2026-12-01T10:00:00Z', now)).toBe(Date.UTC(2026, 11, 1, 10));
    expect(parseInstant('2026-12-01T10:00:00.250+01:00', now)).toBe(Date.UTC(2026, 11, 1, 9, 0, 0, 250));
    expect(parseInstant('2026-12-01 10:00Z', now)).toBe(Date.UTC(2026, 11, 1, 10));
  });

  it('refuses anything else, a date-time without a zone included', () => {
    for (const bad of [
      'yesterday',
      '7w',
      '-1d',
      '1.5h',
      '2026-12-01T10:00:00',
      '12/01/2026',
      '2026-13-45',
      '',
    ])
      expect(parseInstant(bad, now), bad).toBeUndefined();
  });
});

describe('recordedDecisions', () => {
  const a = event('a', '2026-12-01T10:00:00.000Z');
  const b = event('b', '2026-12-01T11:00:00.000Z', {
    allow: false,
    scopes: [],
    bundle: { revision: 'r0', digest: 'b'.repeat(64), registry: 'c'.repeat(64) },
  });

  it('takes decision events, skips others and counts unreadable ones', () => {
    const broken = { ...a, data: { ...a.data, input: { action: 'fly' } } };
    const unsealed = { ...a, hash: undefined };
    const r = recordedDecisions([{ type: 'dev.mandate.token.issued' }, null, a, broken, unsealed, b], {});
    expect(r.unreadable).toBe(2);
    expect(r.decisions.map((d) => d.decision_id)).toEqual(['a', 'b']);
    expect(r.decisions[0]).toEqual({
      decision_id: 'a',
      time: '2026-12-01T10:00:00.000Z',
      input: input(),
      enforced: { allow: true, scopes: ['crm.read'], ttl_seconds: 300, reasons: [], obligations: {} },
      revision: 'r1',
      masked: false,
    });
    expect(r.decisions[1]).toMatchObject({ revision: 'r0', registry: 'c'.repeat(64) });
  });

  it('keeps the window: since inclusive, until exclusive', () => {
    const t = Date.parse('2026-12-01T11:00:00.000Z');
    expect(recordedDecisions([a, b], { since: t }).decisions.map((d) => d.decision_id)).toEqual(['b']);
    expect(recordedDecisions([a, b], { until: t }).decisions.map((d) => d.decision_id)).toEqual(['a']);
  });

  it('marks a decision whose input the audit masked', () => {
    const m = { ...a, data: { ...a.data, masked: ['/input/context/arguments/ssn'] } };
    const r = { ...a, data: { ...a.data, masked: ['/result/x'] } };
    expect(recordedDecisions([m, r], {}).decisions.map((d) => d.masked)).toEqual([true, false]);
  });
});

describe('readRecorded from a file', () => {
  it('reads JSON lines and names the file as the source', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(
      file,
      [event('a', '2026-12-01T10:00:00.000Z'), event('b', '2026-12-01T11:00:00.000Z')]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const r = await readRecorded(file, {} as AuditToolConfig, {}, 'AUDIT');
    expect(r.source).toBe(file);
    expect(r.decisions.map((d) => d.decision_id)).toEqual(['a', 'b']);
  });

  it('refuses the stream without NATS_URL', async () => {
    await expect(readRecorded('stream', {} as AuditToolConfig, {}, 'AUDIT')).rejects.toThrow(
      '--from stream: NATS_URL is not set',
    );
  });
});
