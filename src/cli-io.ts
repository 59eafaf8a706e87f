/**
 * What a command (`mandate audit`, `keys`, `connectors`; `mandate policy` adds stdin,
 * policy/cli/io.ts) reads and writes, injected so that tests run it in-process.
 */
export interface CliIo {
  /** The environment it is configured from. */
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
  /** The clock, in seconds since the epoch (`keys`, `connectors`: key ages). */
  now?: () => number;
  /** Stops a long-running command (`audit tail`). */
  signal?: AbortSignal;
}
