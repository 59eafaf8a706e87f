import { describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { ForeignTailError, relayRow, tailEvent } from '../../src/audit/sink.js';

const event = seal(
  tokenEvent({ kind: 'revoked', action: 'revocation', client_id: 'c', jti: 'j1' }, 'https://m.example'),
  42,
  GENESIS_HASH,
);

describe('relayRow', () => {
  it('is the event as stored: its sequence as a number, id, subject below the prefix, canonical JSON', () => {
    const row = relayRow(event);
    expect(row).toEqual({ sequence: 42, id: event.id, subject: 'token.revoked', body: canonicalize(event) });
    expect(JSON.parse(row.body)).toEqual(event);
  });
});

describe('tailEvent', () => {
  it("reads a stored event's sequence and hash", () => {
    expect(tailEvent(canonicalize(event), 'stream S')).toEqual({ sequence: 42, hash: event.hash });
  });

  it('refuses text that is not JSON, naming where it was', () => {
    const err = (() => {
      try {
        tailEvent('not json', 'the last message of stream S (#5)');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ForeignTailError);
    expect(err).toMatchObject({
      name: 'ForeignTailError',
      message: 'the last message of stream S (#5) is not JSON',
    });
  });

  it('refuses JSON that lacks a 16-digit positive sequence or a sha-256 hex hash', () => {
    const bad = [
      null,
      [],
      {},
      { ...event, sequence: 42 },
      { ...event, sequence: '0000000000000000' },
      { ...event, sequence: '00000000000000001' },
      { ...event, sequence: '-1' },
      { ...event, hash: event.hash.toUpperCase() },
      { ...event, hash: event.hash.slice(1) },
      { ...event, hash: undefined },
    ];
    for (const b of bad)
      expect(() => tailEvent(JSON.stringify(b), 'file f'), JSON.stringify(b)?.slice(0, 60)).toThrow(
        new ForeignTailError('file f is not an audit event (no sequence and hash)'),
      );
  });
});
