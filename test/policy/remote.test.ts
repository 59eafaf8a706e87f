// Bundles from a bundle server (issue 13 §4), against Debian's nginx as the server: the running
// service polls with If-None-Match and a bearer token, gets 304 while nothing changes, loads a
// swapped bundle, and keeps the last good bundle (and says why in /readyz) when the download is
// tampered with, unsigned, refused (401) or the server is down.
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { LONG_POLL_CONTENT_TYPE, pollDelayMs, remoteSource } from '../../src/policy/remote.js';
import fc from 'fast-check';
import { eventually, type PolicyData, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { buildBundle, repoRoot, tamper, tempDir } from './helpers.js';

const TOKEN = 'bundle-server-token-0123456789';

let nginx: TestNginx;
let svc: TestService;
let dir: string;
let key: string;
let pub: string;
let bundleA: string;
let bundleB: string;
let mtime = 1_700_000_000;

/** Publishes `bytes` as the bundle nginx serves: atomically, with a new mtime (nginx's ETag is mtime-size). */
function publish(bytes: Buffer): void {
  const tmp = join(nginx.root, '.next');
  writeFileSync(tmp, bytes);
  mtime += 10;
  utimesSync(tmp, mtime, mtime);
  renameSync(tmp, join(nginx.root, 'policy.tar.gz'));
}

/** The default policy with `data.mandate` changed, signed with the test key. */
async function variant(name: string, revision: string, mutate: (data: PolicyData) => void) {
  const src = join(dir, `src-${name}`);
  cpSync(join(repoRoot, 'rego'), src, { recursive: true });
  rmSync(join(src, 'samples'), { recursive: true, force: true });
  const dataPath = join(src, 'mandate', 'data.json');
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as PolicyData;
  mutate(data);
  writeFileSync(dataPath, JSON.stringify(data));
  return buildBundle(join(dir, `${name}.tar.gz`), { src, signingKey: key, revision });
}

interface PolicyCheck {
  ok: boolean;
  revision: string;
  source: string;
  last_reload?: { outcome: string; reason?: string; revision?: string };
}
async function policyCheck(): Promise<{ status: number; policy: PolicyCheck }> {
  const res = await fetch(`${svc.url}/readyz`);
  const body = (await res.json()) as { checks: { policy: PolicyCheck } };
  return { status: res.status, policy: body.checks.policy };
}

async function engineerAsksForWrite(): Promise<number> {
  const res = await salesforceExchange(svc, {
    subject_token: await svc.idp.mint(subjectClaims(svc, { sub: 'erin', groups: ['engineering'] }), {
      typ: 'at+jwt',
    }),
    scope: 'crm.write',
  });
  return res.status;
}

beforeAll(async () => {
  dir = tempDir('mandate-remote-');
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  key = join(dir, 'key.pem');
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  pub = join(dir, 'key.pub.pem');
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  bundleA = await variant('a', 'remote-a', () => {});
  bundleB = await variant('b', 'remote-b', (d) => {
    d.group_scopes.engineering = ['crm.read', 'crm.write'];
  });
  nginx = await startNginx({ bearerToken: TOKEN });
  publish(readFileSync(bundleA));
  svc = await startTestService({
    env: {
      MANDATE_POLICY_BUNDLE: `${nginx.url}/bundles/policy.tar.gz`,
      MANDATE_POLICY_PUBLIC_KEY: pub,
      MANDATE_POLICY_BEARER_TOKEN: TOKEN,
      MANDATE_POLICY_POLL_MIN_SECONDS: '0.2',
      MANDATE_POLICY_POLL_MAX_SECONDS: '0.4',
      MANDATE_POLICY_LONG_POLL_SECONDS: '5',
    },
  });
});

afterAll(async () => {
  await svc?.close();
  await nginx?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('policy bundles from a bundle server (nginx)', () => {
  it('loads the bundle at start, then polls with If-None-Match, the bearer token and Prefer: wait, getting 304', async () => {
    const { status, policy } = await policyCheck();
    expect({ status, ok: policy.ok, revision: policy.revision, source: policy.source }).toEqual({
      status: 200,
      ok: true,
      revision: 'remote-a',
      source: `${nginx.url}/bundles/policy.tar.gz`,
    });
    expect(await engineerAsksForWrite()).toBe(400);
    expect(
      await eventually(async () => nginx.requests().filter((r) => r.status === 304).length >= 3, 20_000),
    ).toBe(true);
    const [first, ...later] = nginx.requests();
    expect(first).toMatchObject({
      status: 200,
      if_none_match: '',
      authorization: `Bearer ${TOKEN}`,
      prefer: 'wait=5',
    });
    const etag = later[0]!.if_none_match;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    for (const r of later.slice(0, 3))
      expect(r).toEqual({
        path: '/bundles/policy.tar.gz',
        status: 304,
        if_none_match: etag,
        prefer: 'wait=5',
        authorization: `Bearer ${TOKEN}`,
      });
  });

  it('loads a swapped bundle and decides with it', async () => {
    publish(readFileSync(bundleB));
    expect(await eventually(async () => (await policyCheck()).policy.revision === 'remote-b', 20_000)).toBe(
      true,
    );
    expect((await policyCheck()).policy.last_reload).toMatchObject({
      outcome: 'loaded',
      revision: 'remote-b',
    });
    expect(await engineerAsksForWrite()).toBe(200);
  });

  it('refuses a tampered download and keeps the last good bundle', async () => {
    // Everyone gets crm.write in data.json; the signature still covers the old one.
    const tampered = await tamper(bundleA, (files) => {
      const data = JSON.parse(files.get('/data.json')!.toString()) as { mandate: PolicyData };
      data.mandate.group_scopes['*'] = ['crm.read', 'crm.write'];
      files.set('/data.json', Buffer.from(JSON.stringify(data)));
    });
    publish(tampered);
    expect(
      await eventually(async () => (await policyCheck()).policy.last_reload?.outcome === 'refused', 20_000),
    ).toBe(true);
    const { status, policy } = await policyCheck();
    expect({ status, ok: policy.ok, revision: policy.revision }).toEqual({
      status: 200,
      ok: true,
      revision: 'remote-b',
    });
    expect(policy.last_reload?.reason).toMatch(/data\.json/);
    expect(await engineerAsksForWrite()).toBe(200);
  });

  it('refuses an unsigned download', async () => {
    const unsigned = await buildBundle(join(dir, 'unsigned.tar.gz'), { revision: 'unsigned' });
    publish(readFileSync(unsigned));
    expect(
      await eventually(async () => (await policyCheck()).policy.last_reload?.revision === 'unsigned', 20_000),
    ).toBe(true);
    const { policy } = await policyCheck();
    expect({ revision: policy.revision, outcome: policy.last_reload?.outcome }).toEqual({
      revision: 'remote-b',
      outcome: 'refused',
    });
    expect(policy.last_reload?.reason).toMatch(/signature/i);
  });

  it('keeps the last good bundle while the server is down, and loads again when it is back', async () => {
    await nginx.stop();
    expect(
      await eventually(
        async () => (await policyCheck()).policy.last_reload?.outcome === 'fetch_failed',
        20_000,
      ),
    ).toBe(true);
    const { status, policy } = await policyCheck();
    expect({ status, ok: policy.ok, revision: policy.revision }).toEqual({
      status: 200,
      ok: true,
      revision: 'remote-b',
    });
    publish(readFileSync(bundleA));
    await nginx.start();
    expect(await eventually(async () => (await policyCheck()).policy.revision === 'remote-a', 20_000)).toBe(
      true,
    );
    expect(await engineerAsksForWrite()).toBe(400);
  });
});

describe('remoteSource', () => {
  const log = createMemoryLogger();
  const poll = { minDelaySeconds: 60, maxDelaySeconds: 60, timeoutMs: 10_000, log };

  it('names the answer when the bundle server refuses the token, and never shows the token', async () => {
    const source = remoteSource(`${nginx.url}/bundles/policy.tar.gz?token=secret`, {
      ...poll,
      bearerToken: 'wrong',
    });
    expect(source.location).toBe(`${nginx.url}/bundles/policy.tar.gz`);
    await expect(createDecisionService({ source, log })).rejects.toThrow(
      `policy bundle ${nginx.url}/bundles/policy.tar.gz cannot be loaded: ${nginx.url}/bundles/policy.tar.gz answered HTTP 401 Unauthorized`,
    );
  });

  it('long-polls a server that holds the request until the bundle changes, and asks again at once', async () => {
    // A bundle server that long-polls (as OPA's download client expects: the content type says so).
    let current = readFileSync(bundleA);
    let etag = '"a"';
    const waiting: (() => void)[] = [];
    const prefers: string[] = [];
    const server = createServer((req, res) => {
      prefers.push(String(req.headers.prefer));
      const answer = (): void => {
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag, 'content-type': LONG_POLL_CONTENT_TYPE }).end();
        } else res.writeHead(200, { etag, 'content-type': LONG_POLL_CONTENT_TYPE }).end(current);
      };
      if (req.headers['if-none-match'] === etag) waiting.push(answer);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const decisions = await createDecisionService({
      // A minute between polls: only long polling can bring the new bundle within the test.
      source: remoteSource(`http://127.0.0.1:${port}/b.tar.gz`, { ...poll, longPollSeconds: 30 }),
      verificationKey: readFileSync(pub, 'utf8'),
      log,
      watch: true,
    });
    try {
      expect(decisions.bundle().revision).toBe('remote-a');
      // Held for at least a second, then the swap: answered at once, and the next request follows.
      await new Promise((r) => setTimeout(r, 1200));
      expect(await eventually(async () => waiting.length === 1, 10_000)).toBe(true);
      current = readFileSync(bundleB);
      etag = '"b"';
      waiting.shift()!();
      expect(await eventually(async () => decisions.bundle().revision === 'remote-b', 10_000)).toBe(true);
      expect(await eventually(async () => waiting.length === 1, 10_000)).toBe(true);
      expect(new Set(prefers)).toEqual(new Set(['wait=30']));
    } finally {
      await decisions.close();
      for (const w of waiting) w();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('pollDelayMs', () => {
  it('spreads polls uniformly between the minimum and the maximum (OPA: 60..120 s)', () => {
    expect([0, 0.5, 0.999999].map((u) => pollDelayMs(60, 120, u))).toEqual([60_000, 90_000, 120_000]);
    expect(pollDelayMs(5, 5, 0.7)).toBe(5000);
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (a, b, u) => {
          const [min, max] = a <= b ? [a, b] : [b, a];
          const ms = pollDelayMs(min, max, u);
          expect(ms).toBeGreaterThanOrEqual(Math.round(min * 1000));
          expect(ms).toBeLessThanOrEqual(Math.round(max * 1000));
        },
      ),
    );
  });
});
