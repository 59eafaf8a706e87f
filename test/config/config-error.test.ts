/**
 * The one format of a schema's issues (src/config/config-error.ts): a line per issue, its path
 * written as in the input (`clients[0].client_secret`) after the prefix that names the source.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeIssues } from '../../src/config/config-error.js';

const schema = z.object({
  PORT: z.number(),
  clients: z.array(z.object({ client_id: z.string(), redirect_uris: z.array(z.url()) })),
});

function issuesOf(input: unknown): z.ZodError {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('the input parsed');
  return parsed.error;
}

describe('describeIssues', () => {
  it('writes object keys with dots and array indexes in brackets, after the prefix', () => {
    const error = issuesOf({ PORT: 1, clients: [{ client_id: 'a', redirect_uris: ['x'] }] });
    expect(describeIssues(error, 'MANDATE_CONFIG (/etc/mandate.json) ')).toBe(
      'MANDATE_CONFIG (/etc/mandate.json) clients[0].redirect_uris[0]: Invalid URL',
    );
  });

  it('gives one line per issue, a top-level key without a leading dot', () => {
    const error = issuesOf({ PORT: 'x', clients: [{}] });
    expect(describeIssues(error, '').split('\n')).toEqual([
      'PORT: Invalid input: expected number, received string',
      'clients[0].client_id: Invalid input: expected string, received undefined',
      'clients[0].redirect_uris: Invalid input: expected array, received undefined',
    ]);
  });
});

describe('ConfigError', () => {
  it('is an Error named ConfigError, its message as given', () => {
    const err = new ConfigError('PORT: must be a number');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(String(err)).toBe('ConfigError: PORT: must be a number');
  });
});
