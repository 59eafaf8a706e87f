import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/store/redact.js';

describe('redactUrl', () => {
  it('hides the password of single- and multi-host URLs', () => {
    expect(redactUrl('postgres://app:secret@db1:5432,db2:5432/m?target_session_attrs=read-write')).toBe(
      'postgres://app:***@db1:5432,db2:5432/m?target_session_attrs=read-write',
    );
    expect(redactUrl('postgres://app@db/m?password=secret&sslmode=require')).toBe(
      'postgres://app@db/m?password=***&sslmode=require',
    );
    expect(redactUrl('postgres://db/m')).toBe('postgres://db/m');
  });

  it('hides a password in both places at once, and one that holds URL delimiters', () => {
    const out = redactUrl('postgresql://app:p%40ss:w0rd@db/m?sslmode=require&password=also');
    expect(out).toBe('postgresql://app:***@db/m?sslmode=require&password=***');
    expect(out).not.toMatch(/p%40ss|w0rd|also/);
  });

  it('leaves a query without a password, and a user without one, as written', () => {
    expect(redactUrl('postgres://app@db:6543/m?sslmode=verify-full&application_name=x')).toBe(
      'postgres://app@db:6543/m?sslmode=verify-full&application_name=x',
    );
  });

  it('does not echo what it cannot parse (it may be a credential)', () => {
    expect(redactUrl('app:secret at db')).toBe('<unparseable database URL>');
    expect(redactUrl('')).toBe('<unparseable database URL>');
  });
});
