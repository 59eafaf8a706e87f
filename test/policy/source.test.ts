// A file bundle source: fetch reads the file's current bytes (never cached, never "unchanged"),
// a missing file rejects, and watch calls reload when the file is atomically replaced, until closed.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { fileSource } from '../../src/policy/source.js';
import { tempDir } from './helpers.js';

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('fileSource', () => {
  it('is a local source named by its path, fetching the current bytes each time', async () => {
    const path = join(tempDir(), 'bundle.tar.gz');
    writeFileSync(path, 'one');
    const src = fileSource(path, { log: createMemoryLogger() });
    expect(src.location).toBe(path);
    expect(src.remote).toBe(false);
    expect((await src.fetch())?.toString()).toBe('one');
    writeFileSync(path, 'two');
    expect((await src.fetch())?.toString()).toBe('two');
  });

  it('rejects fetching a file that is not there', async () => {
    const src = fileSource(join(tempDir(), 'missing.tar.gz'), { log: createMemoryLogger() });
    await expect(src.fetch()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reloads when the file is replaced by a rename, and not after close', async () => {
    const dir = tempDir();
    const path = join(dir, 'bundle.tar.gz');
    writeFileSync(path, 'one');
    const src = fileSource(path, { log: createMemoryLogger(), debounceMs: 10, pollIntervalMs: 50 });
    let reloads = 0;
    const w = src.watch(async () => {
      reloads++;
    });
    writeFileSync(join(dir, 'next'), 'two');
    renameSync(join(dir, 'next'), path);
    await until(() => reloads > 0);
    w.close();
    const seen = reloads;
    writeFileSync(join(dir, 'next'), 'three');
    renameSync(join(dir, 'next'), path);
    await new Promise((r) => setTimeout(r, 300));
    expect(reloads).toBe(seen);
  });
});
