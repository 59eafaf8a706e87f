// Go reference-time layouts: the chunking of nextStdChunk (Time.Format and time.Parse have
// their own twins, go-format.test.ts and go-parse.test.ts).
import { describe, expect, it } from 'vitest';
import { nextChunk } from '../../../src/policy/builtins/go-layout.js';

describe('nextChunk', () => {
  it('splits the text before the first element, the element and the rest', () => {
    expect(nextChunk('at 15:04')).toMatchObject({ prefix: 'at ', std: 'Hour', suffix: ':04' });
    expect(nextChunk('January')).toMatchObject({ prefix: '', std: 'LongMonth', suffix: '' });
    expect(nextChunk('Monday')).toMatchObject({ std: 'LongWeekDay' });
    expect(nextChunk('-07:00 x')).toMatchObject({ std: 'NumColonTZ', suffix: ' x' });
    expect(nextChunk('no elements')).toMatchObject({ prefix: 'no elements', std: undefined });
  });

  it('treats a name followed by a lowercase letter as text ("Janet", "Month")', () => {
    expect(nextChunk('Janet')).toMatchObject({ std: undefined, prefix: 'Janet' });
    expect(nextChunk('Month')).toMatchObject({ std: undefined });
  });

  it('reads fractional seconds only when no digit follows the run', () => {
    expect(nextChunk('.000')).toMatchObject({ std: 'FracSecond0', digits: 3, sep: '.' });
    expect(nextChunk(',999999')).toMatchObject({ std: 'FracSecond9', digits: 6, sep: ',' });
    expect(nextChunk('.0001')).toMatchObject({ std: 'ZeroMonth', prefix: '.00', suffix: '' });
  });

  it('reads "_2006" as a literal underscore and the year', () => {
    expect(nextChunk('_2006')).toMatchObject({ prefix: '_', std: 'LongYear', suffix: '' });
    expect(nextChunk('_2')).toMatchObject({ prefix: '', std: 'UnderDay' });
  });

  it('reads every element by its first character, and text around it', () => {
    const layout = 'Mon Jan _2 15:04:05.000 MST 2006 pm -07 __2 3 PM';
    const stds: string[] = [];
    for (let rest = layout, c = nextChunk(rest); c.std !== undefined; rest = c.suffix, c = nextChunk(rest))
      stds.push(c.std);
    expect(stds).toEqual([
      'WeekDay',
      'Month',
      'UnderDay',
      'Hour',
      'ZeroMinute',
      'ZeroSecond',
      'FracSecond0',
      'TZ',
      'LongYear',
      'pm',
      'NumShortTZ',
      'UnderYearDay',
      'Hour12',
      'PM',
    ]);
    expect(nextChunk('P p Z -').std).toBeUndefined();
  });
});
