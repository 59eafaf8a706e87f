/** `numbers.range_step` (OPA v1/topdown/numbers.go): integers from a to b inclusive, by step > 0. */
import { exactInt } from './values.js';

const MAX_ELEMENTS = 1_000_000;

function bigInt(x: unknown): bigint | undefined {
  return typeof x === 'number' && Number.isInteger(x) ? BigInt(x) : undefined;
}

export const numberBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'numbers.range_step': (a, b, s) => {
    const x = bigInt(a);
    const y = bigInt(b);
    const step = bigInt(s);
    if (x === undefined || y === undefined || step === undefined || step <= 0n) return undefined;
    const out: (number | ArrayBuffer)[] = [];
    const up = x <= y;
    for (let i = x; up ? i <= y : i >= y; i = up ? i + step : i - step) {
      // A bound on the result instead of OPA's cancellation check.
      if (out.length >= MAX_ELEMENTS) return undefined;
      out.push(exactInt(i));
    }
    return out.some((v) => typeof v !== 'number') ? undefined : out;
  },
};
