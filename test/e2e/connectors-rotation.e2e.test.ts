/**
 * Rotating a connector's key as docs/connectors.md says (issue 16 §3), against a running Mandate and
 * the emulator of Salesforce's token endpoint, whose connected app holds one certificate as
 * Salesforce's does: `mandate connectors cert salesforce` is the certificate the app is given and
 * that the running instance's assertions verify with; `cert --next` is the key the rotation
 * activates; after `rotate`, the running instance signs with it at once, with no restart: the
 * first assertion Salesforce refuses (the old key) makes it re-read its keys and ask again with the
 * new one, so the MCP server sees no refusal; `list` shows the new key active, the old retired.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { compactVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../examples/apis/salesforce-login.js';
import { run } from '../../src/keys/connectors-cli.js';
import { TEST_KEK } from '../helpers/connector-leaks.js';
import { nowSeconds, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import type { TestService } from '../helpers/service.js';
import { startConnectorStack, type ConnectorStack } from './connector-stack.js';

describe('rotating a connector key under a running Mandate', () => {
  let stack: ConnectorStack | undefined;
  let emu: SalesforceEmulator;
  let svc: TestService;
  let clock = 0; // seconds added to the clock: each exchange below is past the last token's life

  beforeAll(async () => {
    // The connected app gets its certificate from `mandate connectors cert`, in the test.
    stack = await startConnectorStack(
      {
        name: 'rotation',
        users: { alice: { approved: true, userId: '0055e000001AliceAAA' } },
        now: () => nowSeconds() + clock,
        connector: { token_lifetime_seconds: 600 },
        trust: false,
      },
      { env: { MANDATE_KEK: TEST_KEK } },
    );
    ({ emu, svc } = stack);
  }, 60_000);
  afterAll(async () => stack?.close());

  /** `mandate connectors <argv>` on the service's database, KEK and configuration file. */
  const cli = async (...argv: string[]): Promise<string> => {
    const out: string[] = [];
    const env = {
      DATABASE_URL: svc.db.url,
      MANDATE_KEK: TEST_KEK,
      MANDATE_CONFIG: join(svc.dataDir, 'mandate.json'),
    };
    expect(await run(argv, { env, out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    return out.join('\n');
  };
  const kidOf = async (...argv: string[]) => (JSON.parse(await cli('jwk', ...argv)) as { kid: string }).kid;

  const exchange = async () => {
    clock += 1_000;
    return salesforceExchange(svc, {
      subject_token: await svc.idp.mint(
        subjectClaims(svc, { iat: nowSeconds() + clock, exp: nowSeconds() + clock + 600 }),
        { typ: 'at+jwt' },
      ),
      scope: 'crm.read',
    });
  };

  /** Whether the emulator's last assertion verifies with the certificate's key. */
  const signedBy = async (pem: string): Promise<boolean> =>
    compactVerify(emu.requests.at(-1)!.assertion!, new X509Certificate(pem).publicKey).then(
      () => true,
      () => false,
    );

  it('signs with the new key right after `rotate`, once the next certificate replaced the old', async () => {
    const current = await cli('cert', 'salesforce');
    const currentKid = await kidOf('salesforce');
    emu.setCertificate(current);
    expect((await exchange()).status).toBe(200);
    expect(await signedBy(current)).toBe(true);

    const next = await cli('cert', 'salesforce', '--next');
    expect(next).not.toBe(current);
    const nextKid = await kidOf('--next', 'salesforce');
    emu.setCertificate(next); // the connected app holds one certificate: replaced
    const rotated = await cli('rotate', 'salesforce');
    expect(rotated).toContain(`activated ${nextKid}`);
    expect(rotated).toContain('within 30 s');

    // The first exchange after it: Salesforce refuses the old key, the instance re-reads its keys
    // at once, finds the new active one and asks again with it; no refusal reaches the MCP server.
    const calls = emu.requests.length;
    const res = await exchange();
    expect(res.status, res.text).toBe(200);
    expect(emu.requests.length).toBe(calls + 2);
    expect(await signedBy(next)).toBe(true);
    expect(await signedBy(current)).toBe(false);
    expect((await exchange()).status).toBe(200); // and signs with it from then on
    expect(emu.requests.length).toBe(calls + 3);
    expect(await signedBy(next)).toBe(true);

    const list = (await cli('list')).split('\n').map((l) => l.split(/\s+/).slice(1, 3).join(' '));
    expect(list[0]).toBe(`${nextKid} active`);
    expect(list).toContain(`${currentKid} retired`);
    expect(await kidOf('salesforce')).toBe(nextKid);
  }, 60_000);
});
