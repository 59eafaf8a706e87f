/**
 * Decisions for repeated identical inputs (issue 12 §6): a bounded map from an input's JSON text
 * to the text the policy's `opa_eval` returned for it. Exactly equivalent to evaluating again,
 * because a Mandate policy is a pure function of its input text and the evaluator's data: data is
 * loaded once per evaluator (a new bundle is a new evaluator, hence a new cache), the only clock
 * is `input.now` (time.now_ns, builtins/time.ts), and the builtins that would read anything else
 * (randomness, the network, the host) are refused at load (builtins/index.ts). The text is parsed
 * again on every hit, so no two decisions share an object. Failed evaluations are not kept.
 */
export class ResultCache {
  private readonly map = new Map<string, string>();

  constructor(
    private readonly capacity: number,
    /** Inputs and results longer than this (UTF-16 code units) are not kept: the memory stays bounded. */
    private readonly maxLength = 4096,
  ) {}

  get(input: string): string | undefined {
    return this.map.get(input);
  }

  set(input: string, output: string): void {
    if (this.capacity <= 0 || input.length > this.maxLength || output.length > this.maxLength) return;
    // Oldest first: a Map iterates in insertion order, so this is first-in first-out.
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as string);
    this.map.set(input, output);
  }

  get size(): number {
    return this.map.size;
  }
}
