// Hot reload of a running service: new bundle → new decisions; broken bundle → last good stays.
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { createDecisionService } from '../../src/policy/engine.js';
import type { PolicyDecisionService } from '../../src/policy/engine.js';
import { buildBundle, input, tempDir, writePolicy } from './helpers.js';

const allowAll = `package mcp.authz
decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60, "reasons": [{"code": "v2", "message": "v2"}]}
`;
const denyAll = `package mcp.authz
decision := {"allow": false, "reasons": [{"code": "v1", "message": "v1"}]}
`;

let v1: string;
let v2: string;
let services: PolicyDecisionService[] = [];

beforeAll(async () => {
  const dir = tempDir();
  v1 = await buildBundle(join(dir, 'v1.tar.gz'), { src: writePolicy(denyAll), revision: 'v1' });
  v2 = await buildBundle(join(dir, 'v2.tar.gz'), { src: writePolicy(allowAll), revision: 'v2' });
});
afterEach(async () => {
  await Promise.all(services.map((s) => s.close()));
  services = [];
});

async function start(watch: boolean) {
  const dir = tempDir();
  const bundlePath = join(dir, 'bundle.tar.gz');
  copyFileSync(v1, bundlePath);
  const log = createMemoryLogger();
  const s = await createDecisionService({ bundlePath, log, watch, watchDebounceMs: 20, watchPollMs: 50 });
  services.push(s);
  return { s, log, dir, bundlePath };
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the reload');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('hot reload', () => {
  it('reload() swaps in a new bundle and reports unchanged ones', async () => {
    const { s, log, bundlePath } = await start(false);
    expect(s.decide(input()).allow).toBe(false);
    expect(await s.reload()).toBe(false);
    copyFileSync(v2, bundlePath);
    expect(await s.reload()).toBe(true);
    expect(s.decide(input())).toMatchObject({ allow: true, bundle: { revision: 'v2' } });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'policy bundle reloaded' }),
    );
  });

  it('a corrupt file leaves the last good bundle in force and logs why', async () => {
    const { s, log, bundlePath } = await start(false);
    writeFileSync(bundlePath, 'not a bundle');
    expect(await s.reload()).toBe(false);
    const d = s.decide(input());
    expect(d).toMatchObject({ allow: false, bundle: { revision: 'v1' } });
    const warn = log.lines.find((l) => l.level === 'warn');
    expect(warn?.fields?.reason).toMatch(/not gzip/);
    expect(s.ready()).toBe(true);
  });

  it('the watcher picks up an atomic rename into place', async () => {
    const { s, dir, bundlePath } = await start(true);
    const staged = join(dir, 'staged.tmp');
    copyFileSync(v2, staged);
    renameSync(staged, bundlePath);
    await until(() => s.bundle().revision === 'v2');
    expect(s.decide(input()).allow).toBe(true);
  });

  it('the watcher keeps the old policy when a corrupt file is written, then takes the next good one', async () => {
    const { s, log, bundlePath } = await start(true);
    writeFileSync(bundlePath, Buffer.from([0x1f, 0x8b, 0, 1, 2, 3]));
    await until(() => log.lines.some((l) => l.level === 'warn'));
    expect(s.decide(input())).toMatchObject({ allow: false, bundle: { revision: 'v1' } });
    copyFileSync(v2, bundlePath);
    await until(() => s.bundle().revision === 'v2');
    expect(s.decide(input()).allow).toBe(true);
  });
});
