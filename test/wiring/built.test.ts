import { describe, expect, it } from 'vitest';
import { Closers } from '../../src/wiring/built.js';

describe('Closers', () => {
  it('hands back the built value and closes parts in reverse building order, once', async () => {
    const order: string[] = [];
    const closers = new Closers();
    const part = (name: string, async = false) => ({
      value: { name },
      close: async
        ? () => new Promise<void>((r) => setTimeout(() => (order.push(name), r()), 20))
        : () => void order.push(name),
    });
    expect(closers.own(part('db'))).toEqual({ name: 'db' });
    closers.own(part('audit', true));
    closers.own(part('http'));
    await closers.close();
    // An async close is awaited before the next (earlier-built) part closes.
    expect(order).toEqual(['http', 'audit', 'db']);
    await closers.close();
    expect(order).toEqual(['http', 'audit', 'db']);
  });

  it('a close that throws rejects close() and the parts built before it are not closed after it', async () => {
    const order: string[] = [];
    const closers = new Closers();
    closers.own({ value: 1, close: () => void order.push('first') });
    closers.own({
      value: 2,
      close: () => {
        throw new Error('boom');
      },
    });
    await expect(closers.close()).rejects.toThrow('boom');
    expect(order).toEqual([]);
  });
});
