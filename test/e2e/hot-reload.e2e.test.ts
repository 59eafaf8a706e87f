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
} from '../oauth/exchange-helpers.js';

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

  async function policyRevision(): Promise<string | undefined> {
    const body = (await (await fetch(`${svc.url}/readyz`)).json()) as {
      checks: { policy?: { detail?: string } };
    };
    return body.checks.policy?.detail;
  }

  it('decides with the new bundle after a swap, and keeps the last good one when a corrupt file arrives', async () => {
    const before = await engineerAsksForWrite();
    expect({ status: before.status, error: before.body.error }).toEqual({
      status: 400,
      error: 'invalid_scope',
    });

    // A modified copy of the default policy: engineering also gets crm.write.
    const staged = buildPolicyVariant(
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
});
