import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { buildEvents } from '../../src/audit/outbox.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import { tail } from '../../src/audit/tail.js';
import { relayRow } from '../../src/audit/sink.js';
import { exchangeEntry } from './fixtures.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger('error');

describe('audit tail (durable consumer)', () => {
  let nc: NatsConnection;
  const tag = randomBytes(4).toString('hex');
  const stream = `TAIL_${tag}`;
  const prefix = `t${tag}`;
  const events: AuditEvent[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    let prev = GENESIS_HASH;
    for (let i = 0; i < 10; i++) {
      for (const e of buildEvents(
        exchangeEntry({ allow: i % 2 === 0, sub: `user${i}` }),
        'https://mandate.example',
      )) {
        const s = seal(e, events.length + 1, prev);
        prev = s.hash;
        events.push(s);
      }
    }
    const sink = createJetStreamSink({ servers: NATS_URL, name: stream, subjectPrefix: prefix, log });
    await sink.append(events.map(relayRow), 0);
    await sink.close();
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('acks what it printed and resumes after it', async () => {
    const first: string[] = [];
    expect(
      await tail({ nc, stream, durable: 'siem', format: 'json', write: (l) => first.push(l), max: 5 }),
    ).toBe(5);
    expect(first.map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(events.slice(0, 5).map((e) => e.id));

    const rest: string[] = [];
    expect(
      await tail({ nc, stream, durable: 'siem', format: 'json', write: (l) => rest.push(l), idleMs: 1_500 }),
    ).toBe(15);
    expect(rest.map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(events.slice(5).map((e) => e.id));
  });

  it('filters by subject and prints readable lines', async () => {
    const lines: string[] = [];
    const n = await tail({
      nc,
      stream,
      durable: 'decisions',
      subject: `${prefix}.decision.>`,
      format: 'text',
      write: (l) => lines.push(l),
      idleMs: 1_500,
    });
    expect(n).toBe(10);
    const d = events[0] as Extract<AuditEvent, { type: 'dev.mandate.decision' }>;
    expect(lines[0]).toBe(
      `${d.time} #1 decision token_exchange ALLOW user0 via mcp-salesforce agent=mcp-salesforce,claude-desktop -> https://api.salesforce.example scopes=crm.read decision_id=${d.data.decision_id}`,
    );
    expect(lines[1]).toMatch(
      / #3 decision token_exchange DENY user1 via mcp-salesforce .* scopes=- reasons=scope_not_allowed /,
    );
  });

  it('renders OCSF', async () => {
    const lines: string[] = [];
    await tail({
      nc,
      stream,
      durable: 'ocsf',
      subject: `${prefix}.token.>`,
      format: 'ocsf',
      write: (l) => lines.push(l),
      max: 2,
    });
    expect(lines.map((l) => (JSON.parse(l) as { class_uid: number; status_id: number }).status_id)).toEqual([
      1, 2,
    ]);
    expect(lines.every((l) => (JSON.parse(l) as { class_uid: number }).class_uid === 3002)).toBe(true);
  });
});
