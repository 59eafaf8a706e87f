import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { installContextManager } from '../../src/ops/trace-context.js';

const KEY = createContextKey('test');

describe('installContextManager', () => {
  it('makes the active context follow a call through awaits and timers', async () => {
    installContextManager();
    installContextManager(); // Once per process: a second call keeps the first manager.
    const ctx = ROOT_CONTEXT.setValue(KEY, 'request-1');
    const seen = await context.with(ctx, async () => {
      await new Promise((r) => setTimeout(r, 5));
      const inner = await Promise.resolve().then(() => context.active().getValue(KEY));
      return [context.active().getValue(KEY), inner];
    });
    expect(seen).toEqual(['request-1', 'request-1']);
    expect(context.active()).toBe(ROOT_CONTEXT);
  });

  it('keeps concurrent calls apart, and nested ones restore the outer context', async () => {
    const run = (id: string) =>
      context.with(ROOT_CONTEXT.setValue(KEY, id), async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 10));
        const nested = context.with(ROOT_CONTEXT.setValue(KEY, `${id}-inner`), () =>
          context.active().getValue(KEY),
        );
        return [context.active().getValue(KEY), nested];
      });
    expect(await Promise.all(['a', 'b', 'c'].map(run))).toEqual([
      ['a', 'a-inner'],
      ['b', 'b-inner'],
      ['c', 'c-inner'],
    ]);
  });

  it('bind ties a function to a context, and leaves non-functions alone', () => {
    const ctx = ROOT_CONTEXT.setValue(KEY, 'bound');
    const bound = context.bind(ctx, (x: number) => [x, context.active().getValue(KEY)]);
    expect(bound(7)).toEqual([7, 'bound']);
    const obj = { a: 1 };
    expect(context.bind(ctx, obj)).toBe(obj);
  });
});
