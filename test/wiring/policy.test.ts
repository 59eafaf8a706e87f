/**
 * buildPolicy over the shipped default bundle, from its file and from a bundle server (real HTTP):
 * decisions are made, counted in the metrics with the bundle's revision, and closing stops it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { defaultBundlePath } from '../../src/config/paths.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { buildPolicy } from '../../src/wiring/policy.js';
import { input } from '../policy/helpers.js';

const env = { MANDATE_ISSUER: 'http://localhost:8080', MANDATE_CONFIG: 'examples/mandate.json' };
let server: Server;
let served = 0;
beforeAll(async () => {
  const body = readFileSync(defaultBundlePath());
  server = createServer((req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'application/gzip', etag: '"v1"' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('buildPolicy', () => {
  it('loads the bundle file, decides, and reports decisions and the bundle in the metrics', async () => {
    const metrics = createMetrics();
    const built = await buildPolicy(loadConfig(env), createLogger('error'), metrics);
    try {
      expect(built.value.ready()).toBe(true);
      const d = built.value.decide(input());
      expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof d.allow).toBe('boolean');
      const text = await metrics.text();
      expect(text).toMatch(/mandate_policy_decisions_total\{[^}]*action="token_exchange"[^}]*\} 1/);
      expect(text).toContain(`revision="${built.value.bundle().revision}"`);
    } finally {
      await built.close();
    }
  });

  it('fetches the bundle from a bundle server when MANDATE_POLICY_BUNDLE is a URL', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/default.tar.gz`;
    const fromFile = await buildPolicy(loadConfig(env), createLogger('error'), createMetrics());
    const before = served;
    const remote = await buildPolicy(
      loadConfig({ ...env, MANDATE_POLICY_BUNDLE: url }),
      createLogger('error'),
      createMetrics(),
    );
    try {
      expect(served).toBeGreaterThan(before);
      expect(remote.value.bundle().digest).toBe(fromFile.value.bundle().digest);
      expect(remote.value.decide(input()).allow).toBe(fromFile.value.decide(input()).allow);
    } finally {
      await remote.close();
      await fromFile.close();
    }
  });
});
