/**
 * Bundles from a bundle server (issue 13 §4), polled the way OPA's bundle service API works
 * (openpolicyagent.org/docs/management-bundles, "Bundle Service API"): GET the bundle URL with
 * `If-None-Match` holding the last ETag, 304 meaning unchanged; a delay drawn at random between a
 * minimum and a maximum between polls, so that many instances do not poll in step; optional long
 * polling (`Prefer: wait=N`): a server that supports it answers with the content type
 * `application/vnd.openpolicyagent.bundles` and holds the request until the bundle changes, and
 * the next poll then goes out at once; an optional bearer token. The decision service keeps the
 * last good bundle on any failure (engine.ts) and, with a verification key, refuses an unsigned
 * download (load.ts).
 *
 * Hand-written on fetch rather than a library: the API is one conditional GET, and OPA's own client
 * (Go) cannot be used from Node.
 */
import type { Logger } from '../log.js';
import type { BundleSource } from './source.js';

/** The content type by which a bundle server says it long-polls (OPA's download client). */
export const LONG_POLL_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';

export interface RemoteSourceOptions {
  log: Logger;
  /** Seconds between polls, drawn uniformly from [min, max] each time (OPA: 60–120). */
  minDelaySeconds: number;
  maxDelaySeconds: number;
  /** Sent as `Prefer: wait=N` when set. */
  longPollSeconds?: number | undefined;
  /** Sent as `Authorization: Bearer <token>`. */
  bearerToken?: string | undefined;
  /** Deadline of one download, beyond the long-poll wait (ms). */
  timeoutMs: number;
  /** Largest bundle accepted (bytes). */
  maxBytes?: number;
  /** Randomness for the jitter (tests fix it). */
  random?: () => number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** The delay before the next poll (ms): uniform in [min, max] seconds for `u` uniform in [0, 1). */
export function pollDelayMs(minSeconds: number, maxSeconds: number, u: number): number {
  const max = Math.max(maxSeconds, minSeconds);
  return Math.round((minSeconds + u * (max - minSeconds)) * 1000);
}

/** True when `text` names a bundle server rather than a file. */
export function isBundleUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/** The URL as logs and /readyz show it: no credentials, no query (which may hold a token). */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Conditional (ETag), authenticated and long-polling when configured. */
function requestHeaders(opts: RemoteSourceOptions, etag: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: `application/gzip, ${LONG_POLL_CONTENT_TYPE}` };
  if (etag !== undefined) headers['if-none-match'] = etag;
  if (opts.bearerToken !== undefined) headers.authorization = `Bearer ${opts.bearerToken}`;
  if (opts.longPollSeconds !== undefined) headers.prefer = `wait=${opts.longPollSeconds}`;
  return headers;
}

/** The bundle of a 200 within the size cap; undefined for 304 Not Modified; anything else throws. */
async function bundleOf(res: Response, location: string, maxBytes: number): Promise<Buffer | undefined> {
  if (res.status === 304) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`${location} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new Error(`${location}: the bundle is ${declared} bytes, more than ${maxBytes}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new Error(`${location}: the bundle is more than ${maxBytes} bytes`);
  return bytes;
}

export function remoteSource(urlText: string, opts: RemoteSourceOptions): BundleSource {
  const url = new URL(urlText);
  const location = displayUrl(url);
  const random = opts.random ?? Math.random;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let etag: string | undefined;
  /** Whether the last answer came from a server that long-polls (and so may be asked again at once). */
  let serverLongPolls = false;
  /** Aborted when the watch is closed, so that a held long poll does not keep the process up. */
  const stopped = new AbortController();

  const fetchBundle = async (): Promise<Buffer | undefined> => {
    const res = await fetch(url, {
      headers: requestHeaders(opts, etag),
      redirect: 'error',
      signal: AbortSignal.any([
        stopped.signal,
        AbortSignal.timeout(opts.timeoutMs + (opts.longPollSeconds ?? 0) * 1000),
      ]),
    });
    serverLongPolls =
      opts.longPollSeconds !== undefined &&
      (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() === LONG_POLL_CONTENT_TYPE;
    const bytes = await bundleOf(res, location, maxBytes);
    if (bytes === undefined) return undefined;
    // Remembered even when the bundle is then refused: the same refused bundle is not downloaded
    // again, and the last good one stays in force until the server offers another.
    etag = res.headers.get('etag') ?? undefined;
    return bytes;
  };

  const delayMs = (): number => pollDelayMs(opts.minDelaySeconds, opts.maxDelaySeconds, random());

  return {
    location,
    remote: true,
    fetch: fetchBundle,
    watch: (reload) => {
      let timer: NodeJS.Timeout | undefined;
      let closed = false;
      const schedule = (ms: number): void => {
        if (closed) return;
        timer = setTimeout(() => void poll(), ms);
        timer.unref();
      };
      const poll = async (): Promise<void> => {
        const started = Date.now();
        await reload().catch((e: unknown) =>
          opts.log.warn('policy bundle poll failed', { source: location, error: String(e) }),
        );
        // A long-polling server held the request until it had news: ask again at once. One that
        // claims to long-poll but answers at once is polled at the normal interval (no busy loop).
        const held = Date.now() - started >= 1000;
        schedule(serverLongPolls && held ? 0 : delayMs());
      };
      // After the first download: at once to a server that long-polls, else after a delay.
      schedule(serverLongPolls ? 0 : delayMs());
      return {
        close(): void {
          closed = true;
          if (timer !== undefined) clearTimeout(timer);
          stopped.abort(new Error('the policy bundle source is closed'));
        },
      };
    },
  };
}
