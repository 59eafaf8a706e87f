/**
 * The cluster workers' young generation. Every exchange allocates short-lived objects (the
 * request, claims, the policy input, two audit events and their canonical texts), so V8's default
 * semi-space (16 MiB on Node 22) fills every few hundred requests and each scavenge copies what is
 * still alive at that moment, the requests in flight. A 64 MiB semi-space scavenges a quarter as
 * often for the same live set: in a pinned CPU profile under wrk (bench/README.md, 2026-12-07)
 * garbage collection fell from 7.2 % to 3.4 % of the worker's busy time. The cost is memory: up to
 * 3 × 64 MiB more per worker, reserved only as the heap grows.
 *
 * An operator's own choice wins: nothing is added when the primary's flags or NODE_OPTIONS already
 * set the semi-space size.
 */

/** The young generation's semi-space for cluster workers, in MiB. */
export const WORKER_SEMI_SPACE_MB = 64;

const SEMI_SPACE = /--max-semi-space-size\b/;

/** The flags a cluster worker starts with: the primary's, plus the semi-space size unless set. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  if (execArgv.some((a) => SEMI_SPACE.test(a)) || SEMI_SPACE.test(nodeOptions ?? '')) return [...execArgv];
  return [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}
