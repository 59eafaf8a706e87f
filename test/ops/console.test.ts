import { afterEach, describe, expect, it, vi } from 'vitest';
import { setConsoleSink } from '../../src/ops/console.js';

afterEach(() => vi.restoreAllMocks());

describe('oidc-provider console lines', () => {
  it('until a sink is set, writes them to stderr as JSON log lines, colours stripped', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    console.warn('\x1b[33moidc-provider WARNING: \x1b[0ma default key is used');
    expect(write).toHaveBeenCalledTimes(1);
    const line = String(write.mock.calls[0]![0]);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({
      level: 'warn',
      pid: process.pid,
      msg: 'a default key is used',
      source: 'oidc-provider',
    });
  });

  it('sends NOTICE as info and WARNING as warn through the sink set', () => {
    const got: [string, string][] = [];
    setConsoleSink((level, msg) => got.push([level, msg]));
    console.info('oidc-provider NOTICE: dev interactions enabled');
    console.warn('oidc-provider WARNING: something');
    expect(got).toEqual([
      ['info', 'dev interactions enabled'],
      ['warn', 'something'],
    ]);
  });

  it('passes other console output to the console methods it wrapped, unchanged', async () => {
    const saved = { warn: console.warn, info: console.info };
    const warn = vi.fn();
    const info = vi.fn();
    console.warn = warn;
    console.info = info;
    try {
      // A fresh copy of the module wraps these two.
      vi.resetModules();
      const fresh = await import('../../src/ops/console.js');
      const got: string[] = [];
      fresh.setConsoleSink((_level, msg) => got.push(msg));
      console.warn('some other warning');
      console.warn('oidc-provider WARNING: with', 'two arguments');
      console.info({ oidc: 'object' });
      console.info('prefix later: oidc-provider NOTICE: x');
      console.warn('oidc-provider WARNING: taken');
      expect(got).toEqual(['taken']);
      expect(warn.mock.calls).toEqual([
        ['some other warning'],
        ['oidc-provider WARNING: with', 'two arguments'],
      ]);
      expect(info.mock.calls).toEqual([[{ oidc: 'object' }], ['prefix later: oidc-provider NOTICE: x']]);
    } finally {
      console.warn = saved.warn;
      console.info = saved.info;
    }
  });
});
