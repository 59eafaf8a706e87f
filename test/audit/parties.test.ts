/**
 * Three-party attribution (issue 17 §3): every event type names the user, the agent with its whole
 * act chain, and the client in the same fixed members (`data.user.sub`, `data.agent.sub`,
 * `data.agent.act_chain`, `data.client.id`), derived from what the event holds, and valid in the
 * published audit event schema.
 */
import { describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { auditEventSchema, tokenEventKinds, type UnsealedEvent } from '../../src/audit/events.js';
import { buildEvents } from '../../src/audit/outbox.js';
import { actChain } from '../../src/audit/parties.js';
import { decisionActions } from '../../src/policy/contract.js';
import { exchangeEntry } from './fixtures.js';

const SOURCE = 'https://mandate.example';
const ACT = { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: { sub: 'claude-desktop' } };

const PARTIES = {
  user: { sub: 'alice' },
  agent: {
    sub: 'mcp-salesforce',
    client_id: 'mcp-salesforce',
    act_chain: ['mcp-salesforce', 'claude-desktop'],
  },
  client: { id: 'mcp-salesforce' },
};

/** Sealed, the event is one of the published schema's (docs/audit-events.schema.json). */
const valid = (e: UnsealedEvent): boolean => auditEventSchema.safeParse(seal(e, 1, GENESIS_HASH)).success;

describe('three-party attribution in audit events', () => {
  it.each(decisionActions)('a %s decision names user, agent with its chain, and client', (action) => {
    const [decision] = buildEvents(exchangeEntry({ action, sub: 'alice' }), SOURCE);
    expect(decision!.data).toMatchObject(PARTIES);
    expect(valid(decision!)).toBe(true);
  });

  it('a decision without an actor (a first hop) names no agent', () => {
    const entry = exchangeEntry({ action: 'authorize' });
    delete entry.decision!.input.actor;
    const [decision] = buildEvents(entry, SOURCE);
    expect(decision!.data).toMatchObject({ user: { sub: 'alice' }, client: { id: 'mcp-salesforce' } });
    expect(decision!.data).not.toHaveProperty('agent');
  });

  it.each(tokenEventKinds)('a token.%s event names user, agent with its chain, and client', (kind) => {
    const e = tokenEvent(
      { kind, action: 'token_exchange', client_id: 'mcp-salesforce', sub: 'alice', act: ACT },
      SOURCE,
    );
    expect(e.data).toMatchObject(PARTIES);
    expect(valid(e)).toBe(true);
  });

  it('a client_credentials token names only its client; a refusal before authentication none', () => {
    const cc = tokenEvent({ kind: 'issued', action: 'client_credentials', client_id: 'job' }, SOURCE);
    expect(cc.data).toMatchObject({ client: { id: 'job' } });
    expect(cc.data).not.toHaveProperty('user');
    expect(cc.data).not.toHaveProperty('agent');
    const refused = tokenEvent(
      { kind: 'refused', action: 'unknown', claimed_client_id: 'x', error: 'invalid_client' },
      SOURCE,
    );
    expect(refused.data).not.toHaveProperty('client');
    expect(refused.data).not.toHaveProperty('user');
  });

  it('a fact cannot set the parties: they are derived from sub, act and client_id', () => {
    const forged = {
      kind: 'issued',
      action: 'x',
      client_id: 'c',
      sub: 'alice',
      user: { sub: 'root' },
      client: { id: 'admin' },
    };
    const e = tokenEvent(forged as never, SOURCE);
    expect(e.data).toMatchObject({ user: { sub: 'alice' }, client: { id: 'c' } });
  });

  it('reads an act chain current actor first, bounded, stopping at a link without a sub', () => {
    expect(actChain({ sub: 'a', act: { sub: 'b', act: { sub: 'c' } } })).toEqual(['a', 'b', 'c']);
    expect(actChain({ sub: 'a', act: { sub: 42, act: { sub: 'c' } } })).toEqual(['a']);
    expect(actChain({ sub: '[masked]' })).toEqual([]);
    expect(actChain('agent')).toEqual([]);
    let deep: Record<string, unknown> = { sub: 'leaf' };
    for (let i = 0; i < 100; i++) deep = { sub: `a${i}`, act: deep };
    expect(actChain(deep)).toHaveLength(32);
  });
});
