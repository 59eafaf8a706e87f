/**
 * Fetches a JSON document from a URL an untrusted party chose, without letting it reach inside the
 * network (SSRF). The host is resolved here and every address it resolves to is vetted; the
 * connection then goes to the vetted address and no other (a second resolution could answer
 * differently: DNS rebinding). One overall deadline covers resolution, connection and body; the body
 * is capped; redirects are refused, not followed; only JSON is accepted.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { isSpecialUse } from './special-use-address.js';
import type { FetchFailureReason } from '../../refusals.js';

export interface SafeFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Hostnames (lowercase) exempt from the address check, e.g. an internal app host, or tests. */
  allowedHosts: ReadonlySet<string>;
  /** Extra PEM trust anchors (an internal CA); the system roots stay trusted. */
  ca?: string;
  /** Told the outcome of every fetch (not of cache hits): `ok` or the failure's reason. */
  observe?: FetchObserver;
}

/** What is fetched for a self-registered client. */
export type FetchTarget = 'metadata_document' | 'jwks_uri';
/** Reports one fetch: its target and `ok` or the FetchFailure reason (`error` for anything else). */
export type FetchObserver = (target: FetchTarget, outcome: string) => void;

export interface FetchedJson {
  body: unknown;
  cacheControl: string | undefined;
}

/** A failed fetch: `outage` when the host may answer later (timeout, 5xx), not a bad document. */
export class FetchFailure extends Error {
  constructor(
    readonly reason: FetchFailureReason,
    message: string,
    readonly outage = false,
  ) {
    super(message);
    this.name = 'FetchFailure';
  }
}

type Address = { address: string; family: number };

async function resolveVetted(host: string, allowed: boolean): Promise<Address> {
  let addresses: Address[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dnsLookup(host, { all: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FetchFailure('dns', `host ${host} could not be resolved`, code === 'EAI_AGAIN');
  }
  const [first] = addresses;
  if (first === undefined) throw new FetchFailure('dns', `host ${host} has no address`);
  // Every answer must be public: an attacker's name may resolve to one public and one private address.
  if (!allowed && addresses.some((a) => isSpecialUse(a.address)))
    throw new FetchFailure('private_address', `host ${host} resolves to a private or special-use address`);
  return first;
}

/** A lookup that answers with the vetted address only, whatever the name resolves to now. */
function pinned(a: Address): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, list: Address[]) => void)(null, [a]);
    else callback(null, a.address, a.family);
  };
}

function isJson(contentType: string | undefined): boolean {
  // CIMD §4: application/json or a more specific application/<something>+json.
  return /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');
}

export async function fetchJson(url: URL, opts: SafeFetchOptions): Promise<FetchedJson> {
  if (url.protocol !== 'https:') throw new FetchFailure('scheme', 'only https URLs are fetched');
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const timeout = () =>
    new FetchFailure('timeout', `${url.host} did not answer within ${opts.timeoutMs} ms`, true);

  const resolving = resolveVetted(host, opts.allowedHosts.has(host));
  const aborted = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(timeout()), { once: true }),
  );
  aborted.catch(() => undefined);
  const address = await Promise.race([resolving, aborted]);

  const failure = (err: unknown): FetchFailure =>
    err instanceof FetchFailure
      ? err
      : signal.aborted
        ? timeout()
        : new FetchFailure(
            'unreachable',
            `${url.host} could not be reached: ${(err as Error).message}`,
            true,
          );

  return new Promise<FetchedJson>((resolve, reject) => {
    const req = request(
      {
        protocol: 'https:',
        hostname: host,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'Mandate (client metadata fetch)' },
        lookup: pinned(address),
        agent: false,
        signal,
        ...(opts.ca === undefined ? {} : { ca: [...rootCertificates, opts.ca] }),
      },
      (res) => onResponse(res, url, opts).then(resolve, (err: unknown) => reject(failure(err))),
    );
    req.on('error', (err) => reject(failure(err)));
    req.end();
  });
}

async function onResponse(res: IncomingMessage, url: URL, opts: SafeFetchOptions): Promise<FetchedJson> {
  const status = res.statusCode ?? 0;
  const fail = (f: FetchFailure): never => {
    res.destroy();
    throw f;
  };
  // Redirects are not followed: the document must live at the client_id URL itself (CIMD §4).
  if (status >= 300 && status < 400)
    fail(new FetchFailure('redirect', `${url.host} answered with a redirect`));
  if (status !== 200)
    fail(new FetchFailure(`status_${status}`, `${url.host} answered with HTTP ${status}`, status >= 500));
  if (!isJson(res.headers['content-type']))
    fail(new FetchFailure('not_json', 'the document is not served as application/json'));
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > opts.maxBytes)
    fail(new FetchFailure('too_large', `the document is larger than ${opts.maxBytes} bytes`));

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > opts.maxBytes)
      fail(new FetchFailure('too_large', `the document is larger than ${opts.maxBytes} bytes`));
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FetchFailure('not_json', 'the document is not valid JSON');
  }
  return { body, cacheControl: res.headers['cache-control'] };
}
