/**
 * Watches one file for replacement (design.md: "the service picks it up (file watch …)"). The
 * directory is watched with fs.watch, because an atomic rename replaces the inode a file watch
 * would follow; a stat poll (fs.watchFile) backs it up where fs.watch misses events (network
 * file systems, some containers). Events are debounced, and runs never overlap: a change during a
 * run schedules exactly one more run.
 */
import { watch, watchFile, unwatchFile } from 'node:fs';
import type { FSWatcher, Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../log.js';

export interface FileWatchOptions {
  debounceMs?: number;
  pollIntervalMs?: number;
  log: Logger;
}

export interface FileWatch {
  close(): void;
}

/** Watches the file's directory for changes to it; undefined (polling alone) where that fails. */
function watchDirectory(
  path: string,
  trigger: () => void,
  log: FileWatchOptions['log'],
): FSWatcher | undefined {
  const name = basename(path);
  let dirWatcher: FSWatcher | undefined;
  try {
    dirWatcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // Some platforms omit the file name: treat that as a possible change.
      if (filename === null || filename === name) trigger();
    });
    dirWatcher.on('error', (e) => {
      log.warn('policy bundle directory watch failed; relying on polling', { error: String(e) });
      dirWatcher?.close();
    });
  } catch (e) {
    log.warn('policy bundle directory cannot be watched; relying on polling', { error: String(e) });
  }
  return dirWatcher;
}

export function watchForChanges(
  path: string,
  onChange: () => Promise<unknown>,
  opts: FileWatchOptions,
): FileWatch {
  const debounceMs = opts.debounceMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await onChange().catch((e: unknown) =>
          opts.log.warn('policy bundle reload failed', { error: String(e) }),
        );
      } while (again && !closed);
    } finally {
      running = false;
    }
  };
  const trigger = (): void => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, debounceMs);
    timer.unref();
  };

  const dirWatcher = watchDirectory(path, trigger, opts.log);

  const onStat = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size || curr.ino !== prev.ino) trigger();
  };
  watchFile(path, { persistent: false, interval: opts.pollIntervalMs ?? 2000 }, onStat);

  return {
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      dirWatcher?.close();
      unwatchFile(path, onStat);
    },
  };
}
