/**
 * Where state and audit go (src/config/storage.ts): DATABASE_URL is refused at start-up with the
 * connection string's own reason, and the deadlines must fit one another. NATS_URL and NATS_CREDS
 * are tested with their parser, in nats.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const cases: RefusalCase[] = [
  {
    name: 'DATABASE_URL that is not postgres',
    env: () => ({ DATABASE_URL: 'mysql://db.example/mandate' }),
    message: () => 'DATABASE_URL: must be a postgres:// URL',
  },
  {
    name: 'a database URL asking for a standby',
    env: () => ({ DATABASE_URL: 'postgres://u@db1:5432,db2:5432/m?target_session_attrs=standby' }),
    message: () =>
      'DATABASE_URL: target_session_attrs=standby cannot work: Mandate writes on every request (use read-write or primary)',
  },
  {
    name: 'a database URL with an unknown target_session_attrs',
    env: () => ({ DATABASE_URL: 'postgres://u@db1/m?target_session_attrs=writable' }),
    message: () =>
      'DATABASE_URL: target_session_attrs=writable is not one of any, read-write, primary (PostgreSQL manual §34.1.2)',
  },
  {
    name: 'a database host list with an empty entry',
    env: () => ({ DATABASE_URL: 'postgres://u@db1:5432,,db2/m' }),
    message: () => 'DATABASE_URL: the host list has an empty entry',
  },
  {
    name: 'a transaction deadline shorter than the statement deadline',
    env: () => ({ MANDATE_DB_STATEMENT_TIMEOUT_MS: '5000', MANDATE_DB_TRANSACTION_TIMEOUT_MS: '1000' }),
    message: () =>
      'MANDATE_DB_TRANSACTION_TIMEOUT_MS: must be at least MANDATE_DB_STATEMENT_TIMEOUT_MS (a transaction holds at least one statement)',
  },
  {
    name: 'a statement deadline below 100 ms',
    env: () => ({ MANDATE_DB_STATEMENT_TIMEOUT_MS: '10' }),
    message: () => 'MANDATE_DB_STATEMENT_TIMEOUT_MS: Too small: expected number to be >=100',
  },
];

describe('the storage variables', () => {
  itRefuses(cases);

  it('become the database, NATS and audit stream settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db.example/mandate',
      MANDATE_DB_PRIMARY_WAIT: '30',
      NATS_URL: 'nats://mandate:secret@n1:4222',
      MANDATE_AUDIT_REPLICAS: '3',
    });
    expect(config.databaseUrl).toBe('postgres://db.example/mandate');
    expect(config.database.primaryWaitMs).toBe(30000);
    expect(config.natsUrl).toBe('nats://n1:4222');
    expect(config.natsClient.auth).toEqual({ kind: 'password', user: 'mandate', pass: 'secret' });
    expect(config.auditStream.replicas).toBe(3);
  });
});
