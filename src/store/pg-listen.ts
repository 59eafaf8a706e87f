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

export function createListener(opts: ListenerOptions): Listener {
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let current: Promise<pg.Client> | undefined;
  let closed = false;

  const command = (client: pg.Client, sql: string): Promise<unknown> =>
    client.query({ text: sql, query_timeout: opts.statementTimeoutMs } as pg.QueryConfig);

  const connect = async (): Promise<pg.Client> => {
    const attempt = current;
    const client = new pg.Client({
      connectionString: opts.url(),
      types: opts.types,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: opts.keepAliveInitialDelayMs,
    });
    client.on('notification', (msg) => {
      for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
    });
    const mine = (): boolean => current === attempt;
    const lost = (err?: Error): void => {
      if (closed || !mine()) return;
      opts.log?.warn('postgres: LISTEN connection lost, reconnecting', { error: err?.message });
      current = undefined;
      drop(client);
      setTimeout(() => {
        if (closed || current !== undefined || listeners.size === 0) return;
        start();
      }, RECONNECT_MS).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    for (const channel of listeners.keys()) await command(client, `LISTEN ${quoteIdent(channel)}`);
    return client;
  };

  // Destroy rather than end: ending waits for a server that may never answer.
  const drop = (client: pg.Client): void => {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    client.end().catch(() => undefined);
  };

  const start = (): Promise<pg.Client> => {
    const p: Promise<pg.Client> = Promise.resolve().then(connect);
    current = p;
    p.catch((e: Error) => {
      if (current !== p || closed) return;
      opts.log?.warn('postgres: LISTEN connection failed, retrying', { error: e.message });
      current = undefined;
      setTimeout(() => {
        if (closed || current !== undefined || listeners.size === 0) return;
        start();
      }, RECONNECT_MS).unref();
    });
    return p;
  };

  return {
    async listen(channel, onNotify) {
      let set = listeners.get(channel);
      const first = set === undefined;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(onNotify);
      const client = await (current ?? start());
      if (first) await command(client, `LISTEN ${quoteIdent(channel)}`);
      return async () => {
        const s = listeners.get(channel);
        if (!s?.delete(onNotify) || s.size > 0) return;
        listeners.delete(channel);
        const c = current && (await current.catch(() => undefined));
        if (c && !closed) await command(c, `UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      };
    },
    reconnect() {
      if (closed || listeners.size === 0) return;
      const old = current;
      current = undefined;
      old?.then(drop, () => undefined);
      start();
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = current;
      current = undefined;
      if (c) await c.then(drop, () => undefined);
    },
  };
}
