import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/audit/relay.js';
import type { Relay, RelayOptions } from '../../src/audit/relay.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { parseJsonLines, verifyJsonLines } from '../../src/audit/verify.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { assertNoSecrets } from './fixtures.js';
import { commit, log, outboxEvents, pending, waitFor } from './relay-harness.js';

describe('relay to a JSON-lines file (no NATS configured)', () => {
  let t: TestDatabase;
  let dir: string;
  const relays: Relay[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-'));
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    await t?.drop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const start = (file: string, extra: Partial<RelayOptions> = {}): Relay => {
    const r = createRelay({ db: t.db, file, log, pollMs: 100, ...extra });
    r.start();
    relays.push(r);
    return r;
  };

  it('writes every event as one line and the file verifies', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const relay = start(file);
    await commit(t.db, 40);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(80);
    assertNoSecrets(lines);
    expect(lines.map((l) => JSON.parse(l) as AuditEvent)).toEqual(await outboxEvents(t));
    expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 80, duplicates: 0 });
    expect(relay.stats()).toMatchObject({ sink: 'file', published_total: 80 });
  });

  it('a line cut short by a crash is cut off, and the file continues whole', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    let relay = start(file);
    await commit(t.db, 5);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await relay.stop();
    await appendFile(file, '{"specversion":"1.0","id":"half-writ');
    relay = start(file);
    await commit(t.db, 5);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    const text = await readFile(file, 'utf8');
    expect(parseJsonLines(text)).toEqual(await outboxEvents(t));
    expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 20 });
  });

  it('a file the database does not continue stops the relay', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const other = await createTestDatabase();
    try {
      await commit(other.db, 3);
      await writeFile(file, (await outboxEvents(other)).map((e) => JSON.stringify(e) + '\n').join(''));
    } finally {
      await other.drop();
    }
    await commit(t.db, 5);
    const relay = start(file);
    await waitFor('the fork', () => relay.stats().state === 'forked');
    expect(relay.stats().fork?.sequence).toBe(6);
    expect(parseJsonLines(await readFile(file, 'utf8'))).toHaveLength(6);
  });
});
