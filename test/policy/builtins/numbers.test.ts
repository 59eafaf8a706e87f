// numbers.range_step as OPA's: inclusive bounds, either direction, a positive integer step, and
// undefined (OPA's error) for anything else.
import { describe, expect, it } from 'vitest';
import { numberBuiltins } from '../../../src/policy/builtins/numbers.js';

const rangeStep = numberBuiltins['numbers.range_step']!;

describe('numbers.range_step', () => {
  it('counts up and down, inclusive of the bound it lands on', () => {
    expect(rangeStep(0, 10, 3)).toEqual([0, 3, 6, 9]);
    expect(rangeStep(0, 9, 3)).toEqual([0, 3, 6, 9]);
    expect(rangeStep(5, 1, 2)).toEqual([5, 3, 1]);
    expect(rangeStep(-2, 2, 2)).toEqual([-2, 0, 2]);
    expect(rangeStep(7, 7, 1)).toEqual([7]);
  });

  it('is undefined for a step that is not a positive integer', () => {
    expect(rangeStep(0, 10, 0)).toBeUndefined();
    expect(rangeStep(0, 10, -1)).toBeUndefined();
    expect(rangeStep(0, 10, 1.5)).toBeUndefined();
    expect(rangeStep(0, 10, '1')).toBeUndefined();
  });

  it('is undefined for bounds that are not integers', () => {
    expect(rangeStep(0.5, 10, 1)).toBeUndefined();
    expect(rangeStep(0, '10', 1)).toBeUndefined();
    expect(rangeStep(null, 10, 1)).toBeUndefined();
  });

  it('refuses a result of more than a million elements instead of exhausting memory', () => {
    expect(rangeStep(1, 1_000_000, 1)).toHaveLength(1_000_000);
    expect(rangeStep(0, 1_000_000, 1)).toBeUndefined();
  });

  it('is undefined when an element beyond 2^53 cannot be given as the exact number', () => {
    expect(rangeStep(2 ** 53, 2 ** 53 + 4, 1)).toBeUndefined();
  });
});
