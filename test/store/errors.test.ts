/**
 * Which database failures mean "cannot serve now" (503, connection destroyed) and which are the
 * statement's own (a constraint, a syntax error): the classes of SQLSTATE and socket errors.
 */
import { describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  classifyDatabaseError,
  isDatabaseUnavailable,
  unavailableKind,
} from '../../src/store/errors.js';
import { toOAuthError } from '../../src/oauth/errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyDatabaseError', () => {
  it.each([
    ['25006', 'read_only'],
    ['57P01', 'shutting_down'],
    ['57P02', 'shutting_down'],
    ['57P03', 'shutting_down'],
    ['57014', 'timeout'],
    ['08006', 'connection'],
    ['ECONNREFUSED', 'connection'],
    ['ECONNRESET', 'connection'],
  ])('%s is unavailable (%s)', (code, kind) => {
    const e = classifyDatabaseError(withCode(code));
    expect(e).toBeInstanceOf(DatabaseUnavailableError);
    expect((e as DatabaseUnavailableError).kind).toBe(kind);
  });

  it('counts a lost connection, reported by message only, as unavailable', () => {
    expect(
      isDatabaseUnavailable(classifyDatabaseError(new Error('Connection terminated unexpectedly'))),
    ).toBe(true);
  });

  it.each(['23505', '22P02', '42601', '40001'])('%s is the statement’s own error', (code) => {
    const e = withCode(code);
    expect(classifyDatabaseError(e)).toBe(e);
  });

  it('is found through a cause chain, and becomes temporarily_unavailable with Retry-After', () => {
    const wrapped = new Error('outer', { cause: new DatabaseUnavailableError('timeout', 'inner') });
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(unavailableKind(wrapped)).toBe('timeout');
    expect(unavailableKind(new Error('outer', { cause: new Error('inner') }))).toBeUndefined();
    const o = toOAuthError(wrapped);
    expect(o.status).toBe(503);
    expect(o.toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the service is temporarily unavailable; try again shortly',
    });
    expect(o.headers).toEqual({ 'Retry-After': '2' });
  });
});
