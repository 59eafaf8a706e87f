/**
 * MANDATE_METRICS_PORT (src/config/metrics.ts): main and off as given, or a TCP port of its own,
 * which must be one and must not be PORT.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const cases: RefusalCase[] = [
  {
    name: 'a metrics port out of range',
    env: () => ({ MANDATE_METRICS_PORT: '70000' }),
    message: () => 'MANDATE_METRICS_PORT: must be main, off or a TCP port 1-65535',
  },
  {
    name: 'a metrics port that is PORT',
    env: () => ({ PORT: '9464', MANDATE_METRICS_PORT: '9464' }),
    message: () => 'MANDATE_METRICS_PORT: is PORT; use main to serve metrics on it',
  },
  {
    name: 'a metrics port that is neither a port, main nor off',
    env: () => ({ MANDATE_METRICS_PORT: 'on' }),
    message: () => 'MANDATE_METRICS_PORT: must be main, off or a TCP port',
  },
];

describe('MANDATE_METRICS_PORT', () => {
  itRefuses(cases);

  it('is main by default, off or a port of its own', () => {
    expect(loadConfig({}).metrics).toBe('main');
    expect(loadConfig({ MANDATE_METRICS_PORT: 'off' }).metrics).toBe('off');
    expect(loadConfig({ MANDATE_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464 });
  });
});
