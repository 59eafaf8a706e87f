/**
 * Starts Mandate for the demo, in-process, on a free port: the local Postgres and NATS when
 * DATABASE_URL / NATS_URL are set and answer, else the embedded defaults (PGlite in a temporary
 * data folder, audit to a JSON-lines file); the development IdP; the default policy bundle with
 * the examples' policy data; the clients, MCP servers, services and connector of
 * examples/mandate.json; Salesforce's login host, which the connector calls (salesforce.ts); and
 * the approvers' inbox its approval webhook posts to (inbox.ts).
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
import type { SalesforceEmulator } from '../apis/salesforce-login.js';
import { fileFeed, natsFeed, type AuditFeed } from './audit-feed.js';
import { startInbox, type Inbox } from './inbox.js';
import { demoBundle, startSalesforceLogin, uploadCertificate } from './salesforce.js';

export const CONFIG_FILE = resolve(import.meta.dirname, '..', 'mandate.json');

export interface DemoMandate {
  issuer: string;
  database: string;
  audit: AuditFeed;
  secrets: { salesforce: string; workday: string };
  /** Salesforce's login host (the token endpoint emulator): the org's API accepts its tokens only. */
  salesforceLogin: SalesforceEmulator;
  /** Where Mandate's approval webhook posts the approval page links. */
  inbox: Inbox;
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

interface Prepared {
  config: Config;
  login: SalesforceEmulator;
  inbox: Inbox;
}

/** Salesforce's login host first: the configuration names it, and its connected app gets the key's certificate. */
async function prepare(
  env: Record<string, string | undefined>,
  at: { dataDir: string; port: number; issuer: string; databaseUrl: string | undefined; nats: boolean },
): Promise<Prepared> {
  const { login, configFile } = await startSalesforceLogin(CONFIG_FILE, at.dataDir);
  const inbox = await startInbox().catch(async (err: unknown) => {
    await login.close();
    throw err;
  });
  try {
    const store = {
      MANDATE_CONFIG: configFile,
      MANDATE_DATA_DIR: at.dataDir,
      ...(at.databaseUrl === undefined ? {} : { DATABASE_URL: at.databaseUrl }),
    };
    await uploadCertificate(store, login);
    const config = loadConfig({
      PORT: String(at.port),
      MANDATE_ISSUER: at.issuer,
      MANDATE_POLICY_BUNDLE: await demoBundle(at.dataDir),
      MANDATE_LOG_LEVEL: 'error',
      MANDATE_APPROVAL_WEBHOOK_URL: inbox.url,
      MANDATE_APPROVAL_WEBHOOK_SECRET: inbox.secret,
      ...store,
      ...(at.nats ? { NATS_URL: env.NATS_URL } : {}),
      // The stream and subjects the operator chose, for the service and the feed alike.
      ...(env.MANDATE_AUDIT_STREAM === undefined ? {} : { MANDATE_AUDIT_STREAM: env.MANDATE_AUDIT_STREAM }),
      ...(env.MANDATE_AUDIT_SUBJECT_PREFIX === undefined
        ? {}
        : { MANDATE_AUDIT_SUBJECT_PREFIX: env.MANDATE_AUDIT_SUBJECT_PREFIX }),
    });
    return { config, login, inbox };
  } catch (err) {
    await login.close();
    await inbox.close();
    throw err;
  }
}

export async function startMandate(
  env: Record<string, string | undefined> = process.env,
): Promise<DemoMandate> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mandate-demo-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const databaseUrl = (await postgresAnswers(env.DATABASE_URL)) ? env.DATABASE_URL : undefined;
  const nc = await natsAnswers(env.NATS_URL);
  const { config, login, inbox } = await prepare(env, {
    dataDir,
    port,
    issuer,
    databaseUrl,
    nats: nc !== undefined,
  });
  const service = await createService(config, createLogger('error')).catch(async (err: unknown) => {
    await login.close();
    await inbox.close();
    await nc?.close();
    throw err;
  });
  try {
    await service.app.listen({ port, host: '127.0.0.1' });
    const audit =
      nc === undefined ? fileFeed(join(dataDir, 'audit.jsonl')) : await natsFeed(nc, config.auditStream);
    return {
      issuer,
      database: databaseUrl === undefined ? `embedded PGlite in ${dataDir}` : 'Postgres at DATABASE_URL',
      audit,
      secrets: secretsOf(config),
      salesforceLogin: login,
      inbox,
      async close() {
        await service.close();
        await login.close();
        await inbox.close();
        await audit.close();
        await nc?.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await service.close();
    await login.close();
    await inbox.close();
    await nc?.close();
    throw err;
  }
}
