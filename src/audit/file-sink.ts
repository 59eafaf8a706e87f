/**
 * The relay's destination when no NATS is configured (design.md, Embedded defaults): one JSON line
 * per event appended to a file in the data folder, synced before the rows are marked published.
 * A crash between the sync and the mark repeats those lines on restart; readers drop repeats by
 * `id`, and `mandate audit verify --file` counts them.
 */
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Sink } from './sink.js';

export function createFileSink(path: string): Sink {
  let handle: Promise<FileHandle> | undefined;
  const file = async (): Promise<FileHandle> => {
    handle ??= mkdir(dirname(path), { recursive: true }).then(() => open(path, 'a'));
    try {
      return await handle;
    } catch (err) {
      handle = undefined;
      throw err;
    }
  };
  return {
    kind: 'file',
    async publish(rows) {
      const fh = await file();
      await fh.appendFile(rows.map((r) => r.body + '\n').join(''), 'utf8');
      await fh.datasync();
      return { duplicates: 0 };
    },
    async close() {
      const h = handle;
      handle = undefined;
      if (h) await (await h).close();
    },
  };
}
