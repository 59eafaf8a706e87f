/**
 * Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"), as `time.format` and `time.parse_ns`
 * take them: the layout chunks of Go's `nextStdChunk` (golang/go src/time/format.go),
 * re-implemented here because opa-wasm leaves these builtins to the host. `Time.Format` is in
 * go-format.ts, `time.Parse` in go-parse.ts.
 */

export type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | 'FracSecond0'
  | 'FracSecond9';

export interface Chunk {
  prefix: string;
  std: Std | undefined;
  /** Digits of a fractional second, and its separator. */
  digits: number;
  sep: string;
  suffix: string;
}

/** Named layouts OPA accepts in place of a layout string (topdown/time.go acceptedTimeFormats). */
export const namedLayouts: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339Nano = '2006-01-02T15:04:05.999999999Z07:00';

const std0x: Std[] = ['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'];
export const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const lowerAt = (s: string, i: number): boolean => i < s.length && s[i]! >= 'a' && s[i]! <= 'z';

const tzTokens: [string, Std][] = [
  ['-070000', 'NumSecondsTz'],
  ['-07:00:00', 'NumColonSecondsTZ'],
  ['-0700', 'NumTZ'],
  ['-07:00', 'NumColonTZ'],
  ['-07', 'NumShortTZ'],
  ['Z070000', 'ISO8601SecondsTZ'],
  ['Z07:00:00', 'ISO8601ColonSecondsTZ'],
  ['Z0700', 'ISO8601TZ'],
  ['Z07:00', 'ISO8601ColonTZ'],
  ['Z07', 'ISO8601ShortTZ'],
];

function chunk(layout: string, i: number, std: Std, len: number, prefixEnd = i): Chunk {
  return { prefix: layout.slice(0, prefixEnd), std, digits: 0, sep: '.', suffix: layout.slice(i + len) };
}

type ChunkAt = (layout: string, i: number) => Chunk | undefined;

const fixedChunk =
  (std: Std, len: number): ChunkAt =>
  (layout, i) =>
    chunk(layout, i, std, len);

/** "Jan", "January"; "Janet" is text. */
function monthChunk(layout: string, i: number): Chunk | undefined {
  if (!layout.startsWith('Jan', i)) return undefined;
  if (layout.startsWith('January', i)) return chunk(layout, i, 'LongMonth', 7);
  return lowerAt(layout, i + 3) ? undefined : chunk(layout, i, 'Month', 3);
}

/** "Mon", "Monday" ("Month" is text), or the zone abbreviation "MST". */
function weekDayOrZoneChunk(layout: string, i: number): Chunk | undefined {
  if (layout.startsWith('Mon', i)) {
    if (layout.startsWith('Monday', i)) return chunk(layout, i, 'LongWeekDay', 6);
    if (!lowerAt(layout, i + 3)) return chunk(layout, i, 'WeekDay', 3);
  }
  return layout.startsWith('MST', i) ? chunk(layout, i, 'TZ', 3) : undefined;
}

/** "01" to "06" (zero-padded month, day, hour, minute, second; two-digit year), "002". */
function zeroChunk(layout: string, i: number): Chunk | undefined {
  const n = layout[i + 1];
  if (n !== undefined && n >= '1' && n <= '6') return chunk(layout, i, std0x[Number(n) - 1]!, 2);
  return layout.startsWith('002', i) ? chunk(layout, i, 'ZeroYearDay', 3) : undefined;
}

const oneChunk: ChunkAt = (layout, i) =>
  layout.startsWith('15', i) ? chunk(layout, i, 'Hour', 2) : chunk(layout, i, 'NumMonth', 1);

const twoChunk: ChunkAt = (layout, i) =>
  layout.startsWith('2006', i) ? chunk(layout, i, 'LongYear', 4) : chunk(layout, i, 'Day', 1);

/** "_2" (space-padded day), "__2" (space-padded year day); "_2006" is "_" and the year. */
function underChunk(layout: string, i: number): Chunk | undefined {
  if (layout[i + 1] === '2') {
    if (layout.startsWith('2006', i + 1)) return chunk(layout, i + 1, 'LongYear', 4, i + 1);
    return chunk(layout, i, 'UnderDay', 2);
  }
  return layout.startsWith('__2', i) ? chunk(layout, i, 'UnderYearDay', 3) : undefined;
}

const meridiemChunk =
  (second: string, std: Std): ChunkAt =>
  (layout, i) =>
    layout[i + 1] === second ? chunk(layout, i, std, 2) : undefined;

function offsetChunk(layout: string, i: number): Chunk | undefined {
  for (const [tok, std] of tzTokens) if (layout.startsWith(tok, i)) return chunk(layout, i, std, tok.length);
  return undefined;
}

/** ".000" or ",999": a fractional second, when no digit follows the run. */
function fractionChunk(layout: string, i: number): Chunk | undefined {
  const ch = layout[i + 1];
  if (ch !== '0' && ch !== '9') return undefined;
  let j = i + 1;
  while (j < layout.length && layout[j] === ch) j++;
  if (isDigitAt(layout, j)) return undefined;
  return {
    prefix: layout.slice(0, i),
    std: ch === '0' ? 'FracSecond0' : 'FracSecond9',
    digits: j - (i + 1),
    sep: layout[i]!,
    suffix: layout.slice(j),
  };
}

/** The layout elements by their first character. */
const chunkAt = new Map<string, ChunkAt>([
  ['J', monthChunk],
  ['M', weekDayOrZoneChunk],
  ['0', zeroChunk],
  ['1', oneChunk],
  ['2', twoChunk],
  ['_', underChunk],
  ['3', fixedChunk('Hour12', 1)],
  ['4', fixedChunk('Minute', 1)],
  ['5', fixedChunk('Second', 1)],
  ['P', meridiemChunk('M', 'PM')],
  ['p', meridiemChunk('m', 'pm')],
  ['-', offsetChunk],
  ['Z', offsetChunk],
  ['.', fractionChunk],
  [',', fractionChunk],
]);

/** Go's nextStdChunk: the text before the first layout element, the element, and the rest. */
export function nextChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const found = chunkAt.get(layout[i]!)?.(layout, i);
    if (found !== undefined) return found;
  }
  return { prefix: layout, std: undefined, digits: 0, sep: '.', suffix: '' };
}

export const longDayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const longMonthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const shortDayNames = longDayNames.map((d) => d.slice(0, 3));
export const shortMonthNames = longMonthNames.map((m) => m.slice(0, 3));
