import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { createFileSink } from '../../src/audit/file-sink.js';
import { ForeignTailError, SinkConflictError, relayRow } from '../../src/audit/sink.js';
import { createLogger } from '../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chain(n: number, pad = ''): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fact = { kind: 'revoked', action: 'revocation', client_id: 'c', jti: `j${i}${pad}` } as const;
    const e = seal(tokenEvent(fact, 'https://m.example'), i, prev);
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('file sink', () => {
  it('creates the file (and its folder) empty, appends lines where it ends, and reads the last event', async () => {
    const path = join(dir, 'a', 'b', 'audit.jsonl');
    const sink = createFileSink(path);
    expect(sink).toMatchObject({ kind: 'file', target: `file:${path}` });
    await sink.open();
    expect(await sink.tail()).toEqual({ position: 0, last: undefined });
    const events = chain(3);
    const rows = events.map(relayRow);
    const end = await sink.append(rows.slice(0, 2), 0);
    expect(end).toBe(statSync(path).size);
    expect(await sink.append(rows.slice(2), end)).toBe(statSync(path).size);
    expect(readFileSync(path, 'utf8')).toBe(rows.map((r) => r.body + '\n').join(''));
    expect(await sink.tail()).toEqual({
      position: statSync(path).size,
      last: { sequence: 3, hash: events[2]!.hash },
    });
    await sink.close();
  });

  it('refuses to append where the file does not end (something else wrote to it)', async () => {
    const path = join(dir, 'conflict.jsonl');
    const sink = createFileSink(path);
    const rows = chain(2).map(relayRow);
    const end = await sink.append(rows.slice(0, 1), 0);
    appendFileSync(path, 'x');
    await expect(sink.append(rows.slice(1), end)).rejects.toThrow(
      new SinkConflictError(`${path} ends at byte ${end + 1}, not at ${end} where the relay left it`),
    );
    await sink.close();
  });

  it('cuts off a line a crash left without its newline, and warns', async () => {
    const path = join(dir, 'torn.jsonl');
    const events = chain(2);
    const whole = relayRow(events[0]!).body + '\n';
    writeFileSync(path, whole + relayRow(events[1]!).body.slice(0, 50));
    const lines: string[] = [];
    const sink = createFileSink(
      path,
      createLogger('warn', (l) => lines.push(l)),
    );
    expect(await sink.tail()).toEqual({
      position: Buffer.byteLength(whole),
      last: { sequence: 1, hash: events[0]!.hash },
    });
    expect(readFileSync(path, 'utf8')).toBe(whole);
    expect(lines.some((l) => l.includes('cutting off an incomplete last line'))).toBe(true);
    await sink.close();
  });

  it('finds the last line across read chunks (lines longer than 64 KiB)', async () => {
    const path = join(dir, 'long.jsonl');
    const events = chain(3, 'x'.repeat(70 * 1024));
    writeFileSync(path, events.map((e) => relayRow(e).body + '\n').join(''));
    const sink = createFileSink(path);
    expect((await sink.tail()).last).toEqual({ sequence: 3, hash: events[2]!.hash });
    await sink.close();
  });

  it('names a last line that is not an audit event', async () => {
    const path = join(dir, 'foreign.jsonl');
    writeFileSync(path, relayRow(chain(1)[0]!).body + '\n{"hello":"world"}\n');
    const sink = createFileSink(path);
    await expect(sink.tail()).rejects.toThrow(
      new ForeignTailError(`the last line of ${path} is not an audit event (no sequence and hash)`),
    );
    await sink.close();
  });
});
