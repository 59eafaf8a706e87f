/**
 * Starts a real Mandate for a test: its own Postgres database, the default policy bundle the
 * repository ships (bundles/default.tar.gz), a configuration file with test clients
 * and a test IdP as trusted issuer, listening on a free port over real HTTP.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditPort } from '../../src/audit/port.js';
import { loadConfig } from '../../src/config/index.js';
import { createMemoryLogger, type Logger } from '../../src/log.js';
import { createService, type Service } from '../../src/service.js';
import { createTestIdp, type TestIdp } from './idp.js';
import { createTestDatabase, type TestDatabase } from './pg.js';

export const SECRETS = {
  salesforce: 'test-salesforce-mcp-secret-0123456789abcdef',
  workday: 'test-workday-mcp-secret-0123456789abcdefgh',
};
export const MCP = {
  salesforce: 'https://mcp.salesforce.example/mcp',
  workday: 'https://mcp.workday.example/mcp',
};
export const API = {
  salesforce: 'https://api.salesforce.example',
  workday: 'https://api.workday.example',
};

export interface TestService {
  url: string;
  issuer: string;
  tokenEndpoint: string;
  service: Service;
  idp: TestIdp;
  db: TestDatabase;
  dataDir: string;
  logs: ReturnType<typeof createMemoryLogger>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  /** Extra clients and issuers for the configuration file. */
  clients?: Record<string, unknown>[];
  issuers?: Record<string, unknown>[];
  /** Protected resources (MCP servers) for the configuration file. */
  resources?: Record<string, unknown>[];
  /** Issuers trusted for workload identity federation (`workload_issuers`). */
  workloadIssuers?: Record<string, unknown>[];
  /** The port to listen on (default: a free one), when another party must know it first. */
  port?: number;
  /** Downstream connectors (`connectors`, ADR 0013). */
  connectors?: Record<string, unknown>[];
  /** The whole configuration file instead of testConfigFile's (e.g. one with a registry). */
  configFile?: (idp: TestIdp) => Record<string, unknown>;
  now?: () => number;
  audit?: AuditPort;
  /** Use an existing database instead of creating one (e.g. a second instance). */
  db?: TestDatabase;
  /** The service's logger (default: a memory logger, as `logs`); e.g. createLogger with a writer. */
  log?: Logger;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

/** The configuration file of a test Mandate: the two test MCP servers, the test IdP as trusted issuer. */
export function testConfigFile(
  idp: TestIdp,
  opts: Pick<TestServiceOptions, 'clients' | 'issuers' | 'resources' | 'workloadIssuers' | 'connectors'> = {},
): Record<string, unknown> {
  return {
    clients: [
      {
        client_id: 'mcp-salesforce',
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: SECRETS.salesforce,
        audiences: [MCP.salesforce],
      },
      {
        client_id: 'mcp-workday',
        token_endpoint_auth_method: 'client_secret_post',
        client_secret: SECRETS.workday,
        audiences: [MCP.workday],
      },
      ...(opts.clients ?? []),
    ],
    issuers: [
      { issuer: idp.issuer, jwks: idp.jwks, algorithms: ['ES256', 'RS256'] },
      ...(opts.issuers ?? []),
    ],
    ...(opts.resources === undefined ? {} : { resources: opts.resources }),
    ...(opts.workloadIssuers === undefined ? {} : { workload_issuers: opts.workloadIssuers }),
    ...(opts.connectors === undefined ? {} : { connectors: opts.connectors }),
  };
}

export async function startTestService(opts: TestServiceOptions = {}): Promise<TestService> {
  const idp = await createTestIdp();
  const db = opts.db ?? (await createTestDatabase());
  const dataDir = await mkdtemp(join(tmpdir(), 'mandate-test-'));
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const configPath = join(dataDir, 'mandate.json');
  await writeFile(configPath, JSON.stringify(opts.configFile?.(idp) ?? testConfigFile(idp, opts)));
  const config = loadConfig({
    PORT: String(port),
    MANDATE_ISSUER: issuer,
    DATABASE_URL: db.url,
    MANDATE_CONFIG: configPath,
    MANDATE_DATA_DIR: dataDir,
    ...opts.env,
  });
  const logs = createMemoryLogger();
  const service = await createService(config, opts.log ?? logs, {
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.audit === undefined ? {} : { audit: opts.audit }),
  });
  await service.app.listen({ port, host: '127.0.0.1' });
  return {
    url: issuer,
    issuer,
    tokenEndpoint: `${issuer}/token`,
    service,
    idp,
    db,
    dataDir,
    logs,
    async close() {
      await service.close();
      if (opts.db === undefined) await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Form-encodes a body; arrays repeat the parameter. */
export function form(params: Record<string, string | string[] | undefined>): string {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  }
  return body.toString();
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
