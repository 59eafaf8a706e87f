/**
 * An OpenTelemetry context manager over node's AsyncLocalStorage, so that the span a request is
 * in follows it through every await. The API alone has none (its default keeps no context at
 * all), and an SDK's own (@opentelemetry/context-async-hooks) is not a runtime dependency here.
 * When something else registered one first (an operator's `node --import` of an SDK), that one
 * stays in force.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

class AsyncLocalContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args) as ReturnType<F>);
  }

  /** Functions only: event emitters are not patched (nothing here hands one across requests). */
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    const run = (...args: unknown[]): unknown => this.with(ctx, () => fn(...args));
    return run as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

let installed = false;

/** Registers the context manager once per process (a no-op when one is already registered). */
export function installContextManager(): void {
  if (installed) return;
  installed = true;
  context.setGlobalContextManager(new AsyncLocalContextManager());
}
