import { describe, expect, it } from 'vitest';
import { decisionEvent, tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import {
  DECISION_EVENT_TYPE,
  auditEventSchema,
  eventSubject,
  natsSubject,
  tokenEventKinds,
  tokenEventTypes,
} from '../../src/audit/events.js';
import { exchangeEntry } from './fixtures.js';

const SOURCE = 'https://m.example';
const token = (kind: (typeof tokenEventKinds)[number] = 'revoked') =>
  tokenEvent({ kind, action: 'revocation', client_id: 'c', jti: 'j1' }, SOURCE);
const decision = (action?: string) => {
  const d = exchangeEntry().decision!;
  return decisionEvent(
    action === undefined ? d : ({ ...d, input: { ...d.input, action } } as typeof d),
    SOURCE,
  );
};

describe('audit event types', () => {
  it('one token type per kind, under dev.mandate.token', () => {
    expect(tokenEventTypes).toEqual(tokenEventKinds.map((k) => `dev.mandate.token.${k}`));
  });

  it('a sealed decision or token event parses, each under its own schema', () => {
    const d = seal(decision(), 1, GENESIS_HASH);
    const t = seal(token(), 2, d.hash);
    expect(auditEventSchema.parse(d)).toEqual(d);
    expect(auditEventSchema.parse(t)).toEqual(t);
    expect(d.type).toBe(DECISION_EVENT_TYPE);
    // A decision's data is not a token's: swapping the types fails.
    expect(auditEventSchema.safeParse({ ...d, type: tokenEventTypes[0] }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...t, type: DECISION_EVENT_TYPE }).success).toBe(false);
  });

  it('the envelope is checked: sequence of 16 digits, sha-256 hashes, a uuid id, CloudEvents 1.0', () => {
    const t = seal(token(), 7, GENESIS_HASH);
    expect(t.sequence).toBe('0000000000000007');
    for (const bad of [
      { sequence: '7' },
      { prevhash: 'x' },
      { hash: t.hash.toUpperCase() },
      { id: 'not-a-uuid' },
      { specversion: '0.3' },
      { datacontenttype: 'text/plain' },
      { time: 'yesterday' },
      { source: '' },
    ])
      expect(auditEventSchema.safeParse({ ...t, ...bad }).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('event subjects', () => {
  it('decision.<action> and token.<kind>, under the prefix for NATS', () => {
    expect(eventSubject(decision())).toBe('decision.token_exchange');
    expect(eventSubject(token('reused'))).toBe('token.reused');
    expect(natsSubject(token('issued'))).toBe('authz.token.issued');
    expect(natsSubject(token('issued'), 'a1b2')).toBe('a1b2.token.issued');
  });

  it('an action cannot split or wildcard the subject', () => {
    expect(eventSubject(decision('a.b *>\tc'))).toBe('decision.a_b____c');
    expect(eventSubject(decision(''))).toBe('decision._');
  });
});
