import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { run } from '../../src/audit/cli.js';
import type { CliIo } from '../../src/cli-io.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { createRelay } from '../../src/audit/relay.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { exchangeEntry } from './fixtures.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger('error');

function io(env: Record<string, string>): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe('mandate audit (cli)', () => {
  let t: TestDatabase;
  const tag = randomBytes(4).toString('hex');
  const stream = `CLI_${tag}`;

  beforeAll(async () => {
    t = await createTestDatabase();
    const audit = createOutboxAudit({ db: t.db, source: 'https://mandate.example', log });
    await Promise.all(Array.from({ length: 5 }, () => audit.commit(exchangeEntry())));
    await audit.close();
    const relay = createRelay({
      db: t.db,
      nats: { servers: NATS_URL, stream, subjectPrefix: `cli${tag}` },
      log,
      pollMs: 50,
    });
    relay.start();
    const deadline = Date.now() + 10_000;
    while (relay.stats().published_total < 10 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    await relay.stop();
  });
  afterAll(async () => {
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await t.drop();
  });

  it('verify checks Postgres and, with --stream, the stream', async () => {
    const o = io({ DATABASE_URL: t.url, NATS_URL });
    expect(await run(['verify', '--stream', '--stream-name', stream], o)).toBe(0);
    expect(o.stdout).toEqual([
      'postgres: ok, 10 events, sequences 1..10',
      'stream: ok, 10 events, sequences 1..10',
    ]);
  });

  it('verify and tail read the stream from MANDATE_AUDIT_STREAM, as the service does', async () => {
    const env = { DATABASE_URL: t.url, NATS_URL, MANDATE_AUDIT_STREAM: stream };
    const v = io(env);
    expect(await run(['verify', '--stream'], v)).toBe(0);
    expect(v.stdout).toEqual([
      'postgres: ok, 10 events, sequences 1..10',
      'stream: ok, 10 events, sequences 1..10',
    ]);
    const o = io(env);
    expect(await run(['tail', '--durable', 'cli-env', '--max', '2', '--json'], o)).toBe(0);
    expect(o.stdout.map((l) => (JSON.parse(l) as { sequence: string }).sequence)).toEqual([
      '0000000000000001',
      '0000000000000002',
    ]);
  });

  it('a configuration the service would refuse is refused the same way (exit 2)', async () => {
    const o = io({ NATS_URL, MANDATE_AUDIT_STREAM: 'no spaces' });
    expect(await run(['verify', '--stream'], o)).toBe(2);
    expect(o.stderr).toEqual([
      'mandate audit: configuration error\nMANDATE_AUDIT_STREAM: must be a JetStream stream name (letters, digits, _ and -)',
    ]);
  });

  it('verify --stream names a fork: the stream holds events the database does not', async () => {
    const other = await createTestDatabase();
    try {
      const audit = createOutboxAudit({ db: other.db, source: 'https://mandate.example', log });
      await Promise.all(Array.from({ length: 2 }, () => audit.commit(exchangeEntry())));
      await audit.close();
      const o = io({ DATABASE_URL: other.url, NATS_URL, MANDATE_AUDIT_STREAM: stream });
      expect(await run(['verify', '--stream'], o)).toBe(1);
      expect(o.stdout).toEqual([
        'postgres: ok, 4 events, sequences 1..4',
        `stream: FORK at sequence 1: stream ${stream} holds 10 events from 1 to 10 that the database's chain does not (it ends at 4): they belong to another timeline, e.g. events committed on a primary that failed before its standby received them (docs/audit.md#forks)`,
      ]);
    } finally {
      await other.drop();
    }
  });

  it('verify exits 1 and names the broken link', async () => {
    await t.db.query(
      `UPDATE outbox SET event = jsonb_set(event::jsonb, '{subject}', '"mallory"')::json WHERE sequence = 4`,
    );
    const o = io({ DATABASE_URL: t.url });
    expect(await run(['verify', '--json'], o)).toBe(1);
    expect(JSON.parse(o.stdout[0]!)).toMatchObject({
      source: 'postgres',
      ok: false,
      broken: { sequence: 4, reason: 'hash_mismatch' },
    });
  });

  it('tail prints as a durable consumer', async () => {
    const o = io({ NATS_URL });
    expect(
      await run(
        ['tail', '--stream-name', stream, '--durable', 'cli', '--max', '3', '--subject', `cli${tag}.token.>`],
        o,
      ),
    ).toBe(0);
    expect(o.stdout).toHaveLength(3);
    expect(o.stdout.every((l) => / token\.issued alice via mcp-salesforce /.test(l))).toBe(true);
  });

  it.each([[['frobnicate']], [['verify', '--nope']], [['tail', '--json', '--ocsf']]])(
    'exits 2 on bad usage: %j',
    async (argv) => {
      const o = io({ NATS_URL });
      expect(await run(argv, o)).toBe(2);
      expect(o.stderr.join('\n')).toMatch(/usage|choose one/);
    },
  );
});
