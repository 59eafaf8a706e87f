/**
 * The relay's destination when no NATS is configured (design.md, Embedded defaults): one JSON line
 * per event appended to a file in the data folder, synced before the relay moves its high-water
 * mark. Its position is the file's size: the relay appends only where it expects the file to end,
 * and reads the last line to check that the database continues it. A line cut short by a crash
 * (no newline yet) was never reported written, so it is cut off before the next append.
 */
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../log.js';
import type { RelayRow, Sink, SinkTail } from './sink.js';
import { SinkConflictError, tailEvent } from './sink.js';

const CHUNK = 64 * 1024;

/** The file and its handle, opened on first use (and again after a failed open). */
interface FileState {
  readonly file: string;
  readonly log: Logger | undefined;
  handle: Promise<FileHandle> | undefined;
}

export function createFileSink(path: string, log?: Logger): Sink {
  const s: FileState = { file: resolve(path), log, handle: undefined };
  return {
    kind: 'file',
    target: `file:${s.file}`,
    async open() {
      await fh(s);
    },
    tail: () => tail(s),
    append: (rows, position) => append(s, rows, position),
    async close() {
      const h = s.handle;
      s.handle = undefined;
      if (h) await (await h).close();
    },
  };
}

async function fh(s: FileState): Promise<FileHandle> {
  s.handle ??= mkdir(dirname(s.file), { recursive: true }).then(() => open(s.file, 'a+'));
  try {
    return await s.handle;
  } catch (err) {
    s.handle = undefined;
    throw err;
  }
}

/** The last complete line and where the file should end: after it. */
async function lastLine(h: FileHandle): Promise<{ text: string | undefined; end: number }> {
  const { size } = await h.stat();
  let pos = size;
  let tail = Buffer.alloc(0);
  // Back from the end, chunk by chunk, until the line before the last newline is whole.
  while (pos > 0) {
    const n = Math.min(CHUNK, pos);
    pos -= n;
    const buf = Buffer.alloc(n);
    await h.read(buf, 0, n, pos);
    tail = Buffer.concat([buf, tail]);
    const lastNl = tail.lastIndexOf(0x0a);
    if (lastNl === -1) continue;
    const prevNl = tail.lastIndexOf(0x0a, lastNl - 1);
    if (prevNl === -1 && pos > 0) continue;
    return { text: tail.subarray(prevNl + 1, lastNl).toString('utf8'), end: pos + lastNl + 1 };
  }
  return { text: undefined, end: 0 };
}

async function tail(s: FileState): Promise<SinkTail> {
  const { file } = s;
  const h = await fh(s);
  const { size } = await h.stat();
  const { text, end } = await lastLine(h);
  if (end < size) {
    s.log?.warn('audit relay: cutting off an incomplete last line (a write interrupted by a crash)', {
      file,
      bytes: size - end,
    });
    await h.truncate(end);
    await h.datasync();
  }
  return {
    position: end,
    last: text === undefined ? undefined : tailEvent(text, `the last line of ${file}`),
  };
}

async function append(s: FileState, rows: RelayRow[], position: number): Promise<number> {
  const h = await fh(s);
  const { size } = await h.stat();
  if (size !== position)
    throw new SinkConflictError(`${s.file} ends at byte ${size}, not at ${position} where the relay left it`);
  const data = Buffer.from(rows.map((r) => r.body + '\n').join(''), 'utf8');
  await h.appendFile(data);
  await h.datasync();
  return position + data.length;
}
