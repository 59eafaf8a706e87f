/**
 * Hot reload through the running service: the bundle file under MANDATE_POLICY_BUNDLE is replaced
 * (write elsewhere, then rename over it, as a deployment would) and the next exchanges are decided
 * by the new policy; then a corrupt file is swapped in and the last good policy keeps deciding.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundlePath } from '../../src/config/paths.js';
import { startTestService, type TestService } from '../helpers/service.js';
import {
  buildPolicyVariant,
  eventually,
  salesforceExchange,
  subjectClaims,
  type WireResult,
} from '../helpers/exchange.js';
import { buildBundle, writePolicy } from '../policy/helpers.js';

describe('policy hot reload under a running service', () => {
  let svc: TestService;
  let dir: string;
  let bundlePath: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mandate-reload-'));
    mkdirSync(join(dir, 'staging'));
    bundlePath = join(dir, 'live', 'bundle.tar.gz');
    mkdirSync(join(dir, 'live'));
    copyFileSync(defaultBundlePath(), bundlePath);
    svc = await startTestService({ env: { MANDATE_POLICY_BUNDLE: bundlePath } });
  });
  afterAll(async () => {
    await svc?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** An engineer asking for crm.write: the default policy gives engineering crm.read only. */
  async function engineerAsksForWrite(): Promise<WireResult> {
    return salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { sub: 'erin', groups: ['engineering'] }), {
        typ: 'at+jwt',
      }),
      scope: 'crm.write',
    });
  }

  interface PolicyCheck {
    ok: boolean;
    detail: string;
    revision: string;
    last_reload?: { outcome: string; reason?: string; revision?: string };
  }
  async function policyCheck(): Promise<{ status: number; policy: PolicyCheck }> {
    const res = await fetch(`${svc.url}/readyz`);
    const body = (await res.json()) as { checks: { policy: PolicyCheck } };
    return { status: res.status, policy: body.checks.policy };
  }
  async function policyRevision(): Promise<string | undefined> {
    return (await policyCheck()).policy.revision;
  }

  it('decides with the new bundle after a swap, and keeps the last good one when a corrupt file arrives', async () => {
    const before = await engineerAsksForWrite();
    expect({ status: before.status, error: before.body.error }).toEqual({
      status: 400,
      error: 'invalid_scope',
    });

    // A modified copy of the default policy: engineering also gets crm.write.
    const staged = await buildPolicyVariant(
      join(dir, 'staging', 'bundle.tar.gz'),
      (data) => {
        data.group_scopes.engineering = ['crm.read', 'crm.write'];
      },
      'hot-reload-2',
    );
    renameSync(staged, bundlePath);

    let last: WireResult | undefined;
    const swapped = await eventually(async () => {
      last = await engineerAsksForWrite();
      return last.status === 200;
    }, 15_000);
    expect(swapped, last?.text).toBe(true);
    expect(decodeJwt(String(last?.body.access_token)).scope).toBe('crm.write');
    expect(await policyRevision()).toBe('hot-reload-2');
    expect(svc.logs.lines.some((l) => l.msg === 'policy bundle reloaded')).toBe(true);

    // A corrupt file replaces the bundle: refused, and the last good bundle stays in force.
    const corrupt = join(dir, 'staging', 'corrupt.tar.gz');
    writeFileSync(corrupt, 'this is not a gzip stream');
    renameSync(corrupt, bundlePath);
    const refused = await eventually(
      async () =>
        svc.logs.lines.some((l) => l.msg === 'policy bundle refused; the last good bundle stays in force'),
      15_000,
    );
    expect(refused).toBe(true);
    const after = await engineerAsksForWrite();
    expect(after.status, after.text).toBe(200);
    expect(decodeJwt(String(after.body.access_token)).scope).toBe('crm.write');
    expect(await policyRevision()).toBe('hot-reload-2');
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  /** A policy file of one rule (package mcp.authz), built into a bundle beside the live one. */
  async function stagePolicy(name: string, rego: string, revision: string): Promise<string> {
    return buildBundle(join(dir, 'staging', `${name}.tar.gz`), { src: writePolicy(rego), revision });
  }

  it('refuses a bundle needing http.send at reload, says so in /readyz, and keeps deciding', async () => {
    const staged = await stagePolicy(
      'http',
      `package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60} if {
	http.send({"method": "GET", "url": "https://hr.example/ok"}).status_code == 200
}
`,
      'needs-http',
    );
    renameSync(staged, bundlePath);
    const seen = await eventually(
      async () => (await policyCheck()).policy.last_reload?.revision === 'needs-http',
      15_000,
    );
    expect(seen).toBe(true);
    const { status, policy } = await policyCheck();
    expect(status).toBe(200);
    expect(policy).toMatchObject({
      ok: true,
      revision: 'hot-reload-2',
      last_reload: {
        outcome: 'refused',
        revision: 'needs-http',
        reason: expect.stringMatching(
          /^the policy needs builtin http\.send \(called in the entrypoint rule mcp\.authz\.decision\): /,
        ),
      },
    });
    expect(policy.detail).toContain('was refused: the policy needs builtin http.send');
    const after = await engineerAsksForWrite();
    expect(after.status, after.text).toBe(200);
  });

  it('a policy failing at evaluation: the client gets invalid_grant "policy evaluation failed", the log and the decision event the cause', async () => {
    const staged = await stagePolicy(
      'conflict',
      `package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60} if input.now > 0
decision := {"allow": false} if input.now > 0
`,
      'conflicting',
    );
    renameSync(staged, bundlePath);
    expect(await eventually(async () => (await policyRevision()) === 'conflicting', 15_000)).toBe(true);
    const res = await engineerAsksForWrite();
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'policy evaluation failed' },
    });
    const logged = svc.logs.lines.filter((l) => l.msg === 'policy evaluation failed');
    expect(logged.length).toBeGreaterThan(0);
    const last = logged[logged.length - 1]!.fields as {
      decision_id: string;
      revision: string;
      cause: string;
    };
    expect(last.revision).toBe('conflicting');
    expect(last.cause).toMatch(/^evaluation failed: .*conflict/);
    const { rows } = await svc.db.db.query<{ event: { data: { enforced: { reasons: unknown[] } } } }>(
      `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision' AND event->'data'->>'decision_id' = $1`,
      [last.decision_id],
    );
    expect(rows.map((r) => r.event.data.enforced.reasons)).toEqual([
      [{ code: 'policy_error', message: last.cause }],
    ]);
  });
});
