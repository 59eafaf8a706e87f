/**
 * The audit stream's settings, and ensureAuditStream against the shared NATS (a unique stream
 * name per test): created with them, brought back to them when changed, left alone when equal.
 */
import { randomBytes } from 'node:crypto';
import { connect, nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_STREAM, auditStreamConfig, ensureAuditStream } from '../../src/audit/stream.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection;
const names: string[] = [];
beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  const jsm = await jetstreamManager(nc);
  // deny_delete/deny_purge refuse messages being removed, not the stream itself.
  for (const n of names) await jsm.streams.delete(n).catch(() => undefined);
  await nc.close();
});
const unique = () => {
  const tag = randomBytes(4).toString('hex');
  names.push(`AS_${tag}`);
  return { name: `AS_${tag}`, subjectPrefix: `as${tag}` };
};

describe('auditStreamConfig', () => {
  it('defaults: AUTHZ_AUDIT on authz.>, file storage, nothing dropped, no deletes or purges', () => {
    expect(auditStreamConfig()).toMatchObject({
      name: AUDIT_STREAM,
      subjects: ['authz.>'],
      storage: StorageType.File,
      max_age: 0,
      max_msgs: -1,
      max_bytes: -1,
      max_msgs_per_subject: -1,
      discard: DiscardPolicy.New,
      deny_delete: true,
      deny_purge: true,
      num_replicas: 1,
      duplicate_window: nanos(600_000),
    });
  });

  it('takes the name, prefix, retention, replicas and duplicate window given', () => {
    expect(
      auditStreamConfig({
        name: 'S',
        subjectPrefix: 'p',
        maxAgeSeconds: 60,
        replicas: 3,
        duplicateWindowSeconds: 5,
      }),
    ).toMatchObject({
      name: 'S',
      subjects: ['p.>'],
      max_age: nanos(60_000),
      num_replicas: 3,
      duplicate_window: nanos(5_000),
    });
  });
});

describe('ensureAuditStream', () => {
  it('creates the stream with those settings, and it refuses message deletion and purges', async () => {
    const jsm = await jetstreamManager(nc);
    const opts = unique();
    const info = await ensureAuditStream(jsm, opts);
    expect(info.config).toMatchObject({
      name: opts.name,
      subjects: [`${opts.subjectPrefix}.>`],
      deny_delete: true,
      deny_purge: true,
    });
    await jetstream(nc).publish(`${opts.subjectPrefix}.token.issued`, '{}');
    await expect(jsm.streams.deleteMessage(opts.name, 1)).rejects.toThrow();
    await expect(jsm.streams.purge(opts.name)).rejects.toThrow();
    expect((await jsm.streams.info(opts.name)).state.messages).toBe(1);
  });

  it('leaves an equal stream alone and brings a changed one back to the settings asked for', async () => {
    const jsm = await jetstreamManager(nc);
    const opts = unique();
    await ensureAuditStream(jsm, opts);
    const again = await ensureAuditStream(jsm, opts);
    expect(again.config.max_age).toBe(0);
    // Someone set a message limit: the next start removes it, and sets the new retention.
    await jsm.streams.update(opts.name, { max_msgs: 10 });
    const fixed = await ensureAuditStream(jsm, { ...opts, maxAgeSeconds: 3600 });
    expect(fixed.config).toMatchObject({ max_msgs: -1, max_age: nanos(3_600_000) });
    expect((await jsm.streams.info(opts.name)).config).toMatchObject({
      max_msgs: -1,
      max_age: nanos(3_600_000),
    });
  });
});
