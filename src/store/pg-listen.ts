/**
 * The one dedicated connection that LISTENs (a pooled client may be handed to someone else between
 * notifications). Lost, it reconnects after a second and subscribes its channels again; told that
 * the database failed (`reconnect()`, e.g. after a failover), it replaces itself at once, since a
 * connection to a dead or frozen server may never report an error. Notifications sent in between
 * are lost, which is why LISTEN is only ever a wake-up hint (callers also poll).
 */
import pg from 'pg';
import type { Logger } from '../log.js';

const RECONNECT_MS = 1_000;

export interface ListenerOptions {
  /** The server to connect to (asked at every connection: it may change after a failover). */
  url(): string;
  types: pg.CustomTypesConfig;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  log?: Logger;
}

export interface Listener {
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  reconnect(): void;
  close(): Promise<void>;
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** What the listener's functions share; `current` is the connection, replaced when it is lost. */
interface ListenState {
  readonly opts: ListenerOptions;
  readonly listeners: Map<string, Set<(payload: string) => void>>;
  current: Promise<pg.Client> | undefined;
  closed: boolean;
}

export function createListener(opts: ListenerOptions): Listener {
  const s: ListenState = { opts, listeners: new Map(), current: undefined, closed: false };
  return {
    listen: (channel, onNotify) => listen(s, channel, onNotify),
    reconnect() {
      if (s.closed || s.listeners.size === 0) return;
      const old = s.current;
      s.current = undefined;
      old?.then(drop, () => undefined);
      start(s);
    },
    async close() {
      if (s.closed) return;
      s.closed = true;
      const c = s.current;
      s.current = undefined;
      if (c) await c.then(drop, () => undefined);
    },
  };
}

async function listen(
  s: ListenState,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let set = s.listeners.get(channel);
  const first = set === undefined;
  if (!set) s.listeners.set(channel, (set = new Set()));
  set.add(onNotify);
  const client = await (s.current ?? start(s));
  if (first) await command(s, client, `LISTEN ${quoteIdent(channel)}`);
  return async () => {
    const still = s.listeners.get(channel);
    if (!still?.delete(onNotify) || still.size > 0) return;
    s.listeners.delete(channel);
    const c = s.current && (await s.current.catch(() => undefined));
    if (c && !s.closed) await command(s, c, `UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
  };
}

function command(s: ListenState, client: pg.Client, sql: string): Promise<unknown> {
  return client.query({ text: sql, query_timeout: s.opts.statementTimeoutMs } as pg.QueryConfig);
}

/** A connection that LISTENs on every channel wanted, and reconnects when lost. */
async function connect(s: ListenState): Promise<pg.Client> {
  const { opts } = s;
  const attempt = s.current;
  const client = new pg.Client({
    connectionString: opts.url(),
    types: opts.types,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: opts.keepAliveInitialDelayMs,
  });
  client.on('notification', (msg) => {
    for (const fn of s.listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
  });
  const lost = (err?: Error): void => {
    if (s.closed || s.current !== attempt) return;
    opts.log?.warn('postgres: LISTEN connection lost, reconnecting', { error: err?.message });
    s.current = undefined;
    drop(client);
    restartLater(s);
  };
  client.on('error', lost);
  client.on('end', () => lost());
  await client.connect();
  for (const channel of s.listeners.keys()) await command(s, client, `LISTEN ${quoteIdent(channel)}`);
  return client;
}

// Destroy rather than end: ending waits for a server that may never answer.
function drop(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  client.end().catch(() => undefined);
}

function start(s: ListenState): Promise<pg.Client> {
  const p: Promise<pg.Client> = Promise.resolve().then(() => connect(s));
  s.current = p;
  p.catch((e: Error) => {
    if (s.current !== p || s.closed) return;
    s.opts.log?.warn('postgres: LISTEN connection failed, retrying', { error: e.message });
    s.current = undefined;
    restartLater(s);
  });
  return p;
}

/** A new connection in a second, unless closed, reconnected meanwhile, or no longer needed. */
function restartLater(s: ListenState): void {
  setTimeout(() => {
    if (s.closed || s.current !== undefined || s.listeners.size === 0) return;
    start(s);
  }, RECONNECT_MS).unref();
}
