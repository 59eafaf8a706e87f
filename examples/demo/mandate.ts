/**
 * Starts Mandate for the demo, in-process, on a free port: the local Postgres and NATS when
 * DATABASE_URL / NATS_URL are set and answer, else the embedded defaults (PGlite in a temporary
 * data folder, audit to a JSON-lines file); the development IdP; the default policy bundle; the
 * clients of examples/mandate.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createService } from '../../src/service.js';
import { fileFeed, natsFeed, type AuditFeed } from './audit-feed.js';

export const CONFIG_FILE = resolve(import.meta.dirname, '..', 'mandate.json');

export interface DemoMandate {
  issuer: string;
  database: string;
  audit: AuditFeed;
  secrets: { salesforce: string; workday: string };
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => ok(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

async function postgresAnswers(url: string | undefined): Promise<boolean> {
  if (url === undefined || url === '') return false;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function natsAnswers(url: string | undefined): Promise<NatsConnection | undefined> {
  if (url === undefined || url === '') return undefined;
  return connect({ servers: url, timeout: 1500, reconnect: false }).catch(() => undefined);
}

/** The MCP servers' client secrets, from the clients Mandate registered (its `mcp_servers` entries). */
function secretsOf(config: Config): { salesforce: string; workday: string } {
  const secret = (id: string) => {
    const s = config.file.clients.find((c) => c.client_id === id)?.client_secret;
    if (s === undefined) throw new Error(`${CONFIG_FILE} has no secret for ${id}`);
    return s;
  };
  return { salesforce: secret('mcp-salesforce'), workday: secret('mcp-workday') };
}

export async function startMandate(
  env: Record<string, string | undefined> = process.env,
): Promise<DemoMandate> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mandate-demo-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const databaseUrl = (await postgresAnswers(env.DATABASE_URL)) ? env.DATABASE_URL : undefined;
  const nc = await natsAnswers(env.NATS_URL);
  const config = loadConfig({
    PORT: String(port),
    MANDATE_ISSUER: issuer,
    MANDATE_CONFIG: CONFIG_FILE,
    MANDATE_DATA_DIR: dataDir,
    MANDATE_LOG_LEVEL: 'error',
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
    ...(nc === undefined ? {} : { NATS_URL: env.NATS_URL }),
    // The stream and subjects the operator chose, for the service and the feed alike.
    ...(env.MANDATE_AUDIT_STREAM === undefined ? {} : { MANDATE_AUDIT_STREAM: env.MANDATE_AUDIT_STREAM }),
    ...(env.MANDATE_AUDIT_SUBJECT_PREFIX === undefined
      ? {}
      : { MANDATE_AUDIT_SUBJECT_PREFIX: env.MANDATE_AUDIT_SUBJECT_PREFIX }),
  });
  const service = await createService(config, createLogger('error'));
  try {
    await service.app.listen({ port, host: '127.0.0.1' });
    const audit =
      nc === undefined ? fileFeed(join(dataDir, 'audit.jsonl')) : await natsFeed(nc, config.auditStream);
    return {
      issuer,
      database: databaseUrl === undefined ? `embedded PGlite in ${dataDir}` : 'Postgres at DATABASE_URL',
      audit,
      secrets: secretsOf(config),
      async close() {
        await service.close();
        await audit.close();
        await nc?.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await service.close();
    await nc?.close();
    throw err;
  }
}
