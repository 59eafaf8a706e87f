/**
 * The reaper's schedule and failure handling (a unit test: the purge itself is the client store's,
 * src/store/clients.ts): one sweep at a time, a failed sweep logs and never throws.
 */
import { describe, expect, it } from 'vitest';
import { startClientReaper } from '../../../src/oauth/clients/client-reaper.js';
import { createMemoryLogger } from '../../../src/log.js';

describe('startClientReaper', () => {
  it('sweeps with the current time and logs only when something was deleted', async () => {
    const log = createMemoryLogger();
    const asked: number[] = [];
    let deleted = 2;
    const reaper = startClientReaper({
      purgeExpired: async (now) => (asked.push(now), deleted),
      now: () => 1234,
      intervalMs: 60_000,
      log,
    });
    try {
      expect(await reaper.sweep()).toBe(2);
      deleted = 0;
      expect(await reaper.sweep()).toBe(0);
      expect(asked).toEqual([1234, 1234]);
      expect(log.lines).toEqual([
        { level: 'info', msg: 'clients: expired self-registered clients deleted', fields: { deleted: 2 } },
      ]);
    } finally {
      reaper.stop();
    }
  });

  it('runs one sweep at a time: a sweep requested while one runs shares it', async () => {
    let calls = 0;
    let release!: (n: number) => void;
    const reaper = startClientReaper({
      purgeExpired: () => (calls++, new Promise<number>((r) => (release = r))),
      now: () => 0,
      intervalMs: 60_000,
      log: createMemoryLogger(),
    });
    try {
      const a = reaper.sweep();
      const b = reaper.sweep();
      release(3);
      expect(await Promise.all([a, b])).toEqual([3, 3]);
      expect(calls).toBe(1);
      const c = reaper.sweep();
      release(0);
      await c;
      expect(calls).toBe(2);
    } finally {
      reaper.stop();
    }
  });

  it('logs a failed sweep as a warning and resolves 0', async () => {
    const log = createMemoryLogger();
    const reaper = startClientReaper({
      purgeExpired: () => Promise.reject(new Error('connection refused')),
      now: () => 0,
      intervalMs: 60_000,
      log,
    });
    try {
      expect(await reaper.sweep()).toBe(0);
      expect(log.lines).toEqual([
        {
          level: 'warn',
          msg: 'clients: clean-up of expired clients failed',
          fields: { err: 'Error: connection refused' },
        },
      ]);
    } finally {
      reaper.stop();
    }
  });

  it('sweeps every intervalMs until stopped', async () => {
    let calls = 0;
    const reaper = startClientReaper({
      purgeExpired: async () => (calls++, 0),
      now: () => 0,
      intervalMs: 20,
      log: createMemoryLogger(),
    });
    await new Promise((r) => setTimeout(r, 130));
    reaper.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 80));
    expect(calls).toBe(seen);
  });
});
