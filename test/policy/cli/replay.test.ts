// `mandate policy replay` (issue 13 §1): decisions recorded by a running service are re-decided
// against an edited policy; exactly the decisions whose outcome changes are listed, from the
// Postgres outbox and from the relay's JSON-lines file, and the bundle that made them replays them
// identically.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyRegistry } from '../../../src/config/index.js';
import { defaultBundlePath } from '../../../src/config/paths.js';
import { REPLAY_CHANGED } from '../../../src/policy/cli/replay.js';
import type { ReplayReport } from '../../../src/policy/replay/replay.js';
import {
  buildPolicyVariant,
  eventually,
  repoRoot,
  salesforceExchange,
  subjectClaims,
} from '../../helpers/exchange.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { createTestNatsServer } from '../../audit/nats-server.js';
import { policy } from './io.js';

let svc: TestService;
let dir: string;
let candidate: string;
let env: Record<string, string>;
/** Decision ids by request, in the order made. */
const ids: Record<string, string> = {};
let started: string;

async function ask(label: string, sub: string, groups: string[], scope: string): Promise<number> {
  const res = await salesforceExchange(svc, {
    subject_token: await svc.idp.mint(subjectClaims(svc, { sub, groups }), { typ: 'at+jwt' }),
    scope,
  });
  const rows = await svc.db.db.query<{ id: string }>(
    "SELECT event->'data'->>'decision_id' AS id FROM outbox WHERE subject LIKE 'decision.%' ORDER BY sequence DESC LIMIT 1",
  );
  ids[label] = rows.rows[0]!.id;
  return res.status;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mandate-replay-'));
  svc = await startTestService();
  env = { DATABASE_URL: svc.db.url, MANDATE_DATA_DIR: svc.dataDir };
  started = new Date(Date.now() - 1000).toISOString();
  // A day's traffic in miniature, decided by the shipped default policy.
  expect(await ask('alice-rw', 'alice', ['sales'], 'crm.read crm.write')).toBe(200);
  expect(await ask('erin-r', 'erin', ['engineering'], 'crm.read')).toBe(200);
  expect(await ask('erin-w', 'erin', ['engineering'], 'crm.write')).toBe(400);
  expect(await ask('carol-r', 'carol', ['finance'], 'crm.read')).toBe(400);
  expect(await ask('sam-r', 'sam', ['sales'], 'crm.read')).toBe(200);
  // The edit under review: sales loses crm.write, engineering gains it.
  candidate = await buildPolicyVariant(
    join(dir, 'candidate.tar.gz'),
    (data) => {
      data.group_scopes.sales = ['crm.read'];
      data.group_scopes.engineering = ['crm.read', 'crm.write'];
    },
    'candidate-1',
  );
});

afterAll(async () => {
  await svc?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const json = (out: string): ReplayReport & { source: string; unreadable: number } =>
  JSON.parse(out) as ReplayReport & { source: string; unreadable: number };

describe('mandate policy replay', () => {
  it('lists exactly the decisions the edited policy changes, from the Postgres outbox', async () => {
    const r = await policy(['replay', candidate, '--json', '--since', started], { env });
    expect(r.err).toBe('');
    expect(r.code).toBe(REPLAY_CHANGED);
    const report = json(r.out);
    expect({ decisions: report.decisions, changed: report.changed, unreadable: report.unreadable }).toEqual({
      decisions: 5,
      changed: 2,
      unreadable: 0,
    });
    expect(report.bundle.revision).toBe('candidate-1');
    expect(report.changes.map((c) => [c.decision_id, c.subject, c.change])).toEqual([
      [
        ids['alice-rw'],
        'alice',
        { scopes: { added: [], removed: ['crm.write'] }, reasons: { added: ['scope_dropped'], removed: [] } },
      ],
      [
        ids['erin-w'],
        'erin',
        {
          allow: { before: false, after: true },
          scopes: { added: ['crm.write'], removed: [] },
          ttl_seconds: { before: 0, after: 300 },
          reasons: { added: [], removed: ['scope_not_allowed', 'scope_dropped'] },
        },
      ],
    ]);
    expect({ a2d: report.allow_to_deny, d2a: report.deny_to_allow }).toEqual({ a2d: 0, d2a: 1 });
    expect(report.by_client).toEqual({ 'mcp-salesforce': { decisions: 5, changed: 2 } });
    expect(report.by_target).toEqual({ 'https://api.salesforce.example': { decisions: 5, changed: 2 } });
    expect(report.by_reason).toEqual({
      scope_dropped: { gained: 1, lost: 1 },
      scope_not_allowed: { gained: 0, lost: 1 },
    });
  });

  it('prints the summary and the changed decisions for people', async () => {
    const r = await policy(['replay', candidate, '--since', started], { env });
    expect(r.code).toBe(REPLAY_CHANGED);
    const lines = r.out.split('\n');
    expect(lines).toContain(
      '2 changed: 0 allow→deny, 1 deny→allow, 1 otherwise (scopes, ttl, reasons, obligations)',
    );
    expect(lines).toContain('  mcp-salesforce  2 of 5 changed');
    expect(lines).toContain(
      `  ${ids['erin-w']} ${lines.find((l) => l.includes(ids['erin-w']!))!.split(' ')[3]} token_exchange erin via mcp-salesforce -> https://api.salesforce.example [crm.write]: deny→allow; scopes +crm.write; ttl 0→300; reasons -scope_not_allowed -scope_dropped`,
    );
  });

  it('replays the recorded decisions identically against the bundle that made them', async () => {
    const r = await policy(['replay', defaultBundlePath(), '--json', '--since', started], { env });
    expect(r.code).toBe(0);
    const report = json(r.out);
    expect({ decisions: report.decisions, changed: report.changed }).toEqual({ decisions: 5, changed: 0 });
  });

  it('overlays the registry of MANDATE_CONFIG and says the decisions were made without it', async () => {
    const example = join(repoRoot, 'examples/mandate.json');
    const withRegistry = { ...env, MANDATE_CONFIG: example };
    const r = await policy(['replay', defaultBundlePath(), '--json', '--since', started], {
      env: withRegistry,
    });
    expect(r.code, r.err).toBe(0);
    const report = json(r.out);
    const digest = loadPolicyRegistry({ MANDATE_CONFIG: example })!.digest;
    // The example registry decides the recorded traffic as the bundle's own data did.
    expect({
      changed: report.changed,
      registries: report.recorded_registries,
      registry: report.bundle.registry,
    }).toEqual({
      changed: 0,
      registries: { none: 5 },
      registry: digest,
    });
    const text = await policy(['replay', defaultBundlePath(), '--since', started], { env: withRegistry });
    expect(text.out.split('\n')).toContain(
      `5 decisions were made with another registry (none (5)) than the one replayed (${digest.slice(0, 12)}; MANDATE_CONFIG names it)`,
    );
  });

  it('reads only the window given', async () => {
    const r = await policy(['replay', candidate, '--json', '--until', started], { env });
    expect(r.code).toBe(0);
    expect(json(r.out).decisions).toBe(0);
    const later = await policy(['replay', candidate, '--json', '--since', '1m'], { env });
    expect(json(later.out).decisions).toBe(5);
  });

  it('reads the relay’s JSON-lines file too', async () => {
    const file = join(svc.dataDir, 'audit.jsonl');
    const five = await eventually(
      async () =>
        existsSync(file) &&
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"dev.mandate.decision"')).length >= 5,
      30_000,
    );
    expect(five).toBe(true);
    const r = await policy(['replay', candidate, '--json', '--from', file], { env });
    expect(r.code).toBe(REPLAY_CHANGED);
    expect(json(r.out).changes.map((c) => c.decision_id)).toEqual([ids['alice-rw'], ids['erin-w']]);
  });

  it('refuses bad usage with status 2', async () => {
    expect((await policy(['replay'], { env })).code).toBe(2);
    const r = await policy(['replay', candidate, '--since', 'yesterday'], { env });
    expect({ code: r.code, err: r.err.split('\n')[0] }).toEqual({
      code: 2,
      err: 'mandate policy replay: --since "yesterday": not an RFC 3339 time nor a span like 24h',
    });
  });
});

describe('mandate policy replay --from stream', () => {
  it('reads the decisions the relay published to JetStream', async () => {
    const nats = await createTestNatsServer();
    const streamed = await startTestService({ env: { NATS_URL: nats.url } });
    try {
      const res = await salesforceExchange(streamed, {
        subject_token: await streamed.idp.mint(subjectClaims(streamed, { sub: 'alice', groups: ['sales'] }), {
          typ: 'at+jwt',
        }),
        scope: 'crm.read crm.write',
      });
      expect(res.status).toBe(200);
      const env = { DATABASE_URL: streamed.db.url, MANDATE_DATA_DIR: streamed.dataDir, NATS_URL: nats.url };
      // The relay publishes after the response: poll until the stream holds the decision.
      let r = { code: 1, out: '', err: '' };
      expect(
        await eventually(async () => {
          r = await policy(['replay', candidate, '--json', '--from', 'stream'], { env });
          return r.code !== 1 && json(r.out).decisions === 1;
        }, 30_000),
      ).toBe(true);
      const report = json(r.out);
      expect({ code: r.code, source: report.source, changed: report.changes.map((c) => c.subject) }).toEqual({
        code: REPLAY_CHANGED,
        source: 'stream AUTHZ_AUDIT',
        changed: ['alice'],
      });
    } finally {
      await streamed.close();
      await nats.remove();
    }
  });
});
