// Issue 13 "Done when": a policy written from the documentation alone (the time-policy block of
// rego/README.md, using time.clock and time.weekday) builds, checks, loads into a running service,
// decides correctly at the service's clock, and its decisions replay identically.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { opaBin, repoRoot, tempDir } from '../policy/helpers.js';
import { policy } from '../policy/cli/io.js';

/** The policy exactly as rego/README.md shows it. */
function documentedPolicy(): string {
  const readme = readFileSync(join(repoRoot, 'rego/README.md'), 'utf8');
  const m = /<!-- time-policy: [^>]*-->\n```rego\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('rego/README.md has no time-policy block');
  return m[1]!;
}

// 2026-12-02 is a Wednesday; Paris is UTC+1 in December.
const WED_1000Z = Date.parse('2026-12-02T10:00:00Z') / 1000;
const WED_1630Z = Date.parse('2026-12-02T16:30:00Z') / 1000; // 17:30 in Paris: closed, though open in UTC
const SAT_1000Z = Date.parse('2026-12-05T10:00:00Z') / 1000;

const exchangeInput = (now: number) => ({
  action: 'token_exchange',
  now,
  subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], exp: now + 600, claims: {} },
  client: { client_id: 'mcp-salesforce', trust: 'registered' },
  actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce' },
  target: { resource: 'https://api.salesforce.example' },
  scopes: ['crm.read', 'crm.write'],
  context: {},
});
const dropped = {
  code: 'scope_dropped',
  message: 'crm.write: only on weekdays, 09:00 to 17:00 Paris time',
};

let dir: string;
let bundle: string;
let svc: TestService;
let clock = WED_1000Z;

beforeAll(async () => {
  dir = tempDir('mandate-time-policy-');
  const src = join(dir, 'office-hours');
  mkdirSync(join(src, 'mcp/authz'), { recursive: true });
  mkdirSync(join(src, 'samples'));
  writeFileSync(join(src, 'mcp/authz/policy.rego'), documentedPolicy());
  // Samples in the documented shape, decided by `check` (and so by `build`).
  writeFileSync(
    join(src, 'samples/wednesday-morning.json'),
    JSON.stringify({
      input: exchangeInput(WED_1000Z),
      expect: { allow: true, scopes: ['crm.read', 'crm.write'] },
    }),
  );
  writeFileSync(
    join(src, 'samples/saturday.json'),
    JSON.stringify({
      input: exchangeInput(SAT_1000Z),
      expect: { allow: true, scopes: ['crm.read'], reasons: ['scope_dropped'] },
    }),
  );
  bundle = join(dir, 'office-hours.tar.gz');
});

afterAll(async () => {
  await svc?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a time policy written from rego/README.md', () => {
  it('builds and checks, its samples decided', async () => {
    const built = await policy([
      'build',
      join(dir, 'office-hours'),
      '-o',
      bundle,
      '--revision',
      'office-hours-1',
      '--opa',
      opaBin(),
    ]);
    expect({ code: built.code, err: built.err }).toEqual({ code: 0, err: '' });
    const checked = await policy(['check', bundle]);
    expect(checked.code).toBe(0);
    expect(checked.out).toContain('host builtins time.clock, time.now_ns, time.weekday, 2/2 samples pass');
  });

  it('loads into the running service and decides by the service clock, in the policy’s zone', async () => {
    svc = await startTestService({ env: { MANDATE_POLICY_BUNDLE: bundle }, now: () => clock });
    const ask = async (at: number) => {
      clock = at;
      const res = await salesforceExchange(svc, {
        subject_token: await svc.idp.mint(subjectClaims(svc, { iat: at, exp: at + 600 }), { typ: 'at+jwt' }),
        scope: 'crm.read crm.write',
      });
      return { status: res.status, scope: res.body.scope ?? 'crm.read crm.write' };
    };
    expect(await ask(WED_1000Z)).toEqual({ status: 200, scope: 'crm.read crm.write' });
    expect(await ask(WED_1630Z)).toEqual({ status: 200, scope: 'crm.read' });
    expect(await ask(SAT_1000Z)).toEqual({ status: 200, scope: 'crm.read' });
    const rows = await svc.db.db.query<{ reasons: unknown }>(
      "SELECT event->'data'->'enforced'->'reasons' AS reasons FROM outbox WHERE subject LIKE 'decision.%' ORDER BY sequence",
    );
    expect(rows.rows.map((r) => r.reasons)).toEqual([[], [dropped], [dropped]]);
  });

  it('replays those decisions identically, days later', async () => {
    const r = await policy(['replay', bundle, '--json'], {
      env: { DATABASE_URL: svc.db.url, MANDATE_DATA_DIR: svc.dataDir },
    });
    const report = JSON.parse(r.out) as { decisions: number; changed: number; recorded_revisions: unknown };
    expect({
      code: r.code,
      decisions: report.decisions,
      changed: report.changed,
      revisions: report.recorded_revisions,
    }).toEqual({
      code: 0,
      decisions: 3,
      changed: 0,
      revisions: { 'office-hours-1': 3 },
    });
  });
});
