/**
 * `mandate connectors list|cert|jwk|rotate` on real Postgres: the certificate printed is the
 * active key's (what Salesforce's connected app registers), `--next` the one a rotation activates,
 * the JWK the same key; a service MANDATE_CONFIG does not name gets no keys. The last test runs
 * the command exactly as docs/connectors.md shows it.
 */
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/keys/connectors-cli.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import { repoRoot } from '../helpers/exchange.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-connectors-cli-'));
const config = join(dir, 'mandate.json');
writeFileSync(
  config,
  JSON.stringify({
    connectors: [
      {
        service: 'salesforce',
        resource: 'https://api.salesforce.example',
        kind: 'salesforce',
        consumer_key: 'ck',
      },
      { service: 'internal', resource: 'https://api.internal.example', kind: 'mandate' },
    ],
  }),
);

function capture(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('mandate connectors (Postgres)', () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestDatabase();
    env = { DATABASE_URL: t.url, MANDATE_KEK: randomBytes(32).toString('base64url'), MANDATE_CONFIG: config };
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the active key’s certificate and JWK, the next one with --next, and rotates', async () => {
    const empty = capture(env);
    expect(await run(['list'], empty.io)).toBe(0);
    expect(empty.out).toEqual(['no connector keys yet: the service creates them when it first starts']);

    const cert = capture(env);
    expect(await run(['cert', 'salesforce'], cert.io)).toBe(0);
    const [active, next] = await listConnectorKeys(t.db, 'salesforce');
    expect(cert.out.join('\n') + '\n').toBe(active!.certificatePem);
    expect(new X509Certificate(cert.out.join('\n')).subject).toBe('CN=Mandate connector salesforce');

    const jwk = capture(env);
    expect(await run(['jwk', 'salesforce', '--next'], jwk.io)).toBe(0);
    expect(JSON.parse(jwk.out[0]!)).toEqual(next!.publicJwk);
    expect(JSON.parse(jwk.out[0]!)).not.toHaveProperty('d');

    const rot = capture(env);
    expect(await run(['rotate', 'salesforce'], rot.io)).toBe(0);
    expect(rot.out[0]).toBe(`activated ${next!.kid}`);
    expect(rot.out[1]).toBe(`retired   ${active!.kid}`);
    const list = capture(env);
    expect(await run(['list'], list.io)).toBe(0);
    expect(list.out.map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      `salesforce ${next!.kid} active`,
      `salesforce ${rot.out[2]!.split(/\s+/)[1]} next`,
      `salesforce ${active!.kid} retired`,
    ]);
  });

  it('creates no keys for a service the configuration does not name, nor for a mandate connector', async () => {
    for (const service of ['salesfroce', 'internal'])
      await expect(run(['cert', service], capture(env).io)).rejects.toThrow(
        `no connector keys for '${service}', and MANDATE_CONFIG names no jwt-bearer, salesforce or id-jag connector with that service`,
      );
    expect(await listConnectorKeys(t.db, 'salesfroce')).toEqual([]);
  });

  it.each([
    [[]],
    [['cert']],
    [['cert', 'a', 'b']],
    [['rotate', 'a', '--next']],
    [['list', 'x']],
    [['cert', 'a', '--bogus']],
  ])('prints the usage for %j', async (argv) => {
    const c = capture(env);
    expect(await run(argv, c.io)).toBe(2);
    expect(c.err[0]).toMatch(/^usage: mandate connectors list/);
  });

  it('works as the docs show it: npx tsx src/cli.ts connectors cert salesforce', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'src/cli.ts', 'connectors', 'cert', 'salesforce'],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      },
    );
    const [active] = await listConnectorKeys(t.db, 'salesforce');
    expect(stdout).toBe(active!.certificatePem);
  }, 60_000);
});
