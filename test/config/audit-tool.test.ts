/**
 * `mandate audit`'s configuration (src/config/audit-tool.ts): the storage variables with the
 * service's defaults and checks, and nothing else, so a variable of the service alone cannot make
 * the tool refuse.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAuditToolConfig, loadConfig } from '../../src/config/index.js';

describe('loadAuditToolConfig', () => {
  it('reads the storage variables as the service does', () => {
    const env = {
      DATABASE_URL: 'postgres://db.example/mandate',
      NATS_URL: 'nats://mandate:secret@n1:4222',
      MANDATE_AUDIT_STREAM: 'AUDIT_X',
      MANDATE_DATA_DIR: 'state',
    };
    const service = loadConfig(env);
    expect(loadAuditToolConfig(env)).toEqual({
      databaseUrl: service.databaseUrl,
      database: service.database,
      natsUrl: 'nats://n1:4222',
      natsClient: service.natsClient,
      auditStream: service.auditStream,
      dataDir: resolve('state'),
    });
  });

  it("ignores the service's own variables, even invalid ones", () => {
    const config = loadAuditToolConfig({ PORT: 'http', MANDATE_ISSUER: 'http://mandate.example' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('refuses a storage variable with the service’s message', () => {
    const message = (load: () => unknown) => {
      try {
        load();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    const env = { MANDATE_DB_STATEMENT_TIMEOUT_MS: '5000', MANDATE_DB_TRANSACTION_TIMEOUT_MS: '1000' };
    expect(message(() => loadAuditToolConfig(env))).toBe(message(() => loadConfig(env)));
    expect(message(() => loadAuditToolConfig({ DATABASE_URL: 'mysql://db/m' }))).toBe(
      'DATABASE_URL: must be a postgres:// URL',
    );
  });
});
