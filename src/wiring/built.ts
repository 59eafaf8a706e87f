/**
 * What every builder of the composition root hands back: the value it built and how to close it.
 * `Closers` keeps the closes in building order and runs them in reverse, once.
 */
export interface Built<T> {
  value: T;
  close(): Promise<void> | void;
}

export class Closers {
  readonly #closes: (() => Promise<void> | void)[] = [];

  /** Takes ownership of a built part: its close runs before those of the parts built earlier. */
  own<T>(built: Built<T>): T {
    this.#closes.push(() => built.close());
    return built.value;
  }

  async close(): Promise<void> {
    for (const close of this.#closes.splice(0).reverse()) await close();
  }
}
