/**
 * Where bundles come from: a local file (watched for replacement) or, in remote.ts, a bundle
 * server (polled). The decision service asks a source for the bundle's bytes and lets it trigger
 * reloads; it never needs to know which kind it has.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { watchForChanges } from './watch.js';

export interface BundleSource {
  /** A path or a URL (without credentials), for logs and /readyz. */
  readonly location: string;
  /** True for a bundle server: a verification key then makes signatures mandatory (it always does). */
  readonly remote: boolean;
  /** The bundle's bytes, or undefined when unchanged since the last fetch (HTTP 304). */
  fetch(): Promise<Buffer | undefined>;
  /** Calls `reload` whenever a new bundle may be there, until closed. */
  watch(reload: () => Promise<unknown>): { close(): void };
}

export interface FileSourceOptions {
  log: Logger;
  debounceMs?: number;
  pollIntervalMs?: number;
}

export function fileSource(path: string, opts: FileSourceOptions): BundleSource {
  return {
    location: path,
    remote: false,
    fetch: () => readFile(path),
    watch: (reload) =>
      watchForChanges(path, reload, {
        log: opts.log,
        ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
        ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
      }),
  };
}
