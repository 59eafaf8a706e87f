/**
 * Where state and audit go: the database (its URL, deadlines and replication check), NATS (its
 * servers, credentials and client settings) and the audit stream. Read by the service and by
 * `mandate audit` alike.
 */
import { DatabaseUrlError, parseDatabaseUrl } from '../store/connection-string.js';
import { ConfigError } from './config-error.js';
import type { AuditStreamConfig, Config, NatsClientConfig } from './config-type.js';
import type { Env } from './env.js';
import { NatsUrlError, parseNatsUrl } from './nats.js';

type DatabaseEnv = Pick<
  Env,
  | 'DATABASE_URL'
  | 'MANDATE_DB_CONNECT_TIMEOUT_MS'
  | 'MANDATE_DB_ACQUIRE_TIMEOUT_MS'
  | 'MANDATE_DB_STATEMENT_TIMEOUT_MS'
  | 'MANDATE_DB_TRANSACTION_TIMEOUT_MS'
  | 'MANDATE_DB_HEALTH_TIMEOUT_MS'
  | 'MANDATE_DB_PRIMARY_WAIT'
  | 'MANDATE_DB_ASYNC_REPLICATION'
>;

export function checkDatabase(e: DatabaseEnv): void {
  if (e.DATABASE_URL !== undefined) {
    try {
      parseDatabaseUrl(e.DATABASE_URL);
    } catch (err) {
      if (err instanceof DatabaseUrlError) throw new ConfigError(`DATABASE_URL: ${err.message}`);
      throw err;
    }
  }
  if (e.MANDATE_DB_TRANSACTION_TIMEOUT_MS < e.MANDATE_DB_STATEMENT_TIMEOUT_MS)
    throw new ConfigError(
      'MANDATE_DB_TRANSACTION_TIMEOUT_MS: must be at least MANDATE_DB_STATEMENT_TIMEOUT_MS (a transaction holds at least one statement)',
    );
}

function databaseConfig(e: DatabaseEnv): Config['database'] {
  return {
    timeouts: {
      connectMs: e.MANDATE_DB_CONNECT_TIMEOUT_MS,
      acquireMs: e.MANDATE_DB_ACQUIRE_TIMEOUT_MS,
      statementMs: e.MANDATE_DB_STATEMENT_TIMEOUT_MS,
      transactionMs: e.MANDATE_DB_TRANSACTION_TIMEOUT_MS,
      healthMs: e.MANDATE_DB_HEALTH_TIMEOUT_MS,
    },
    primaryWaitMs: e.MANDATE_DB_PRIMARY_WAIT * 1000,
    asyncReplication: e.MANDATE_DB_ASYNC_REPLICATION,
  };
}

function auditStreamConfig(
  e: Pick<
    Env,
    | 'MANDATE_AUDIT_STREAM'
    | 'MANDATE_AUDIT_SUBJECT_PREFIX'
    | 'MANDATE_AUDIT_MAX_AGE'
    | 'MANDATE_AUDIT_REPLICAS'
  >,
): AuditStreamConfig {
  return {
    name: e.MANDATE_AUDIT_STREAM,
    subjectPrefix: e.MANDATE_AUDIT_SUBJECT_PREFIX,
    maxAgeSeconds: e.MANDATE_AUDIT_MAX_AGE,
    replicas: e.MANDATE_AUDIT_REPLICAS,
  };
}

type NatsEnv = Pick<
  Env,
  | 'NATS_URL'
  | 'NATS_CREDS'
  | 'MANDATE_NATS_CONNECT_TIMEOUT_MS'
  | 'MANDATE_NATS_PING_INTERVAL_MS'
  | 'MANDATE_NATS_MAX_PINGS_OUT'
  | 'MANDATE_NATS_PUBLISH_TIMEOUT_MS'
>;

/** The servers without their credentials (safe to log) and the client settings with them. */
function natsConfig(e: NatsEnv): { natsUrl: string | undefined; natsClient: NatsClientConfig } {
  let parsed: ReturnType<typeof parseNatsUrl> | undefined;
  try {
    if (e.NATS_URL !== undefined) parsed = parseNatsUrl(e.NATS_URL, e.NATS_CREDS);
    else if (e.NATS_CREDS !== undefined) throw new NatsUrlError('NATS_CREDS: is set but NATS_URL is not');
  } catch (err) {
    if (err instanceof NatsUrlError) throw new ConfigError(err.message);
    throw err;
  }
  return {
    natsUrl: parsed?.servers,
    natsClient: {
      connectTimeoutMs: e.MANDATE_NATS_CONNECT_TIMEOUT_MS,
      pingIntervalMs: e.MANDATE_NATS_PING_INTERVAL_MS,
      maxPingsOut: e.MANDATE_NATS_MAX_PINGS_OUT,
      publishTimeoutMs: e.MANDATE_NATS_PUBLISH_TIMEOUT_MS,
      auth: parsed?.auth,
    },
  };
}

/** Where state and audit go: the database, NATS and the audit stream. */
export function storageConfig(
  e: DatabaseEnv & NatsEnv & Parameters<typeof auditStreamConfig>[0],
): Pick<Config, 'databaseUrl' | 'database' | 'natsUrl' | 'natsClient' | 'auditStream'> {
  return {
    databaseUrl: e.DATABASE_URL,
    database: databaseConfig(e),
    ...natsConfig(e),
    auditStream: auditStreamConfig(e),
  };
}
