/**
 * The environment as configuration reads it (src/config/parse-env.ts): an empty value counts as
 * unset, and the schema's issues are one ConfigError, a line per variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { envSchema } from '../../src/config/env.js';
import { cleanEnv, parseEnv } from '../../src/config/parse-env.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const cases: RefusalCase[] = [
  {
    name: 'PORT that is not a number',
    env: () => ({ PORT: 'http' }),
    message: () => 'PORT: Invalid input: expected number, received NaN',
  },
  {
    name: 'PORT out of range',
    env: () => ({ PORT: '70000' }),
    message: () => 'PORT: Too big: expected number to be <=65535',
  },
];

describe('parseEnv', () => {
  itRefuses(cases);

  it('takes an empty value for unset, so that the default applies', () => {
    expect(cleanEnv({ PORT: '', HOST: undefined, MANDATE_LOG_LEVEL: 'debug' })).toEqual({
      MANDATE_LOG_LEVEL: 'debug',
    });
    expect(parseEnv(envSchema, cleanEnv({ PORT: '' })).PORT).toBe(8080);
  });

  it('names every variable in error, one line each', () => {
    expect(() => parseEnv(envSchema, { PORT: '70000', MANDATE_WORKERS: '0' })).toThrow(ConfigError);
    expect(() => parseEnv(envSchema, { PORT: '70000', MANDATE_WORKERS: '0' })).toThrow(
      'PORT: Too big: expected number to be <=65535\nMANDATE_WORKERS: Too small: expected number to be >=1',
    );
  });
});
