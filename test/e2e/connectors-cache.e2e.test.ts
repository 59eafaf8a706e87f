/**
 * The downstream token cache seen from the MCP server (issue 16 §4, ADR 0013): kept per (user,
 * service, scopes), with single flight. Against the emulator of Salesforce's token endpoint, which
 * says whose session each token is: concurrent exchanges for two users make exactly one
 * downstream call per user, and each user gets their own token, never the other's; the same user
 * and scopes (in any order) are answered from the cache with no call; other scopes are another
 * token. Each answer's audit event says whether it came from the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../examples/apis/salesforce-login.js';
import { salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import type { TestService } from '../helpers/service.js';
import { startConnectorStack, type ConnectorStack } from './connector-stack.js';

const ALICE = 'alice@acme.example';
const DAVE = 'dave@acme.example';

describe('downstream token cache per user, service and scopes', () => {
  let stack: ConnectorStack | undefined;
  let emu: SalesforceEmulator;
  let svc: TestService;

  beforeAll(async () => {
    stack = await startConnectorStack({
      name: 'cache',
      users: {
        alice: { approved: true, userId: '0055e000001AliceAAA' },
        dave: { approved: true, userId: '0055e000001DaveAAAA' },
      },
    });
    ({ emu, svc } = stack);
  }, 60_000);
  afterAll(async () => stack?.close());

  const exchange = async (sub: string, scope: string) => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc, { sub }), { typ: 'at+jwt' }),
      scope,
    });
    expect(res.status, res.text).toBe(200);
    return String(res.body.access_token);
  };

  const cachedFlags = async (n: number): Promise<unknown[]> => {
    const { rows } = await svc.db.db.query<{ event: { data: { downstream?: { cached: boolean } } } }>(
      "SELECT event FROM outbox WHERE subject LIKE '%token.issued' ORDER BY sequence DESC LIMIT $1",
      [n],
    );
    return rows.map((r) => r.event.data.downstream?.cached).reverse();
  };

  it('makes one downstream call per user for concurrent exchanges, each user getting their own token', async () => {
    const users = ['alice', 'dave', 'alice', 'dave', 'alice', 'dave', 'alice', 'dave', 'alice', 'dave'];
    const tokens = await Promise.all(users.map((u) => exchange(u, 'crm.read')));
    expect(emu.requests).toHaveLength(2);
    const forAlice = new Set(tokens.filter((_, i) => users[i] === 'alice'));
    const forDave = new Set(tokens.filter((_, i) => users[i] === 'dave'));
    expect(forAlice.size).toBe(1);
    expect(forDave.size).toBe(1);
    expect(emu.session([...forAlice][0]!)).toBe(ALICE);
    expect(emu.session([...forDave][0]!)).toBe(DAVE);
    expect((await cachedFlags(10)).filter((c) => c === false)).toHaveLength(2);
  });

  it('answers the same user and scopes from the cache, in any order, and other scopes with another token', async () => {
    const held = emu.issued.find((t) => t.username === ALICE)!.token;
    expect(await exchange('alice', 'crm.read')).toBe(held);
    expect(emu.requests).toHaveLength(2);

    const both = await exchange('alice', 'crm.read crm.write');
    expect(both).not.toBe(held);
    expect(emu.session(both)).toBe(ALICE);
    expect(emu.requests).toHaveLength(3);
    expect(await exchange('alice', 'crm.write crm.read')).toBe(both);
    expect(emu.requests).toHaveLength(3);
    expect(await cachedFlags(3)).toEqual([true, false, true]);
  });
});
