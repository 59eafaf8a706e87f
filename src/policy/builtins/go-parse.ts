/**
 * Go's time.Parse (golang/go src/time/format.go) with the local zone UTC, over the layout chunks
 * of go-layout.ts: one field reader per layout element, then the fields checked and combined.
 * Parsing assumes the host zone is UTC, as OPA running in a container does: a zone abbreviation
 * other than UTC (e.g. "MST") keeps the wall clock as UTC, as Go does for a name the local zone
 * does not define.
 */
import { daysIn, wallSeconds } from './civil.js';
import type { Chunk, Std } from './go-layout.js';
import {
  isDigitAt,
  longDayNames,
  longMonthNames,
  nextChunk,
  shortDayNames,
  shortMonthNames,
} from './go-layout.js';
import {
  getnum,
  getnum3,
  lookupName,
  monthDayOf,
  parseNanoseconds,
  parseTimeZone,
  parseZone,
  skip,
} from './go-parse-fields.js';

/** What the value said so far; -1 for a month, day or year day it did not give. */
interface Fields {
  year: number;
  month: number;
  day: number;
  yday: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  zoneOffset: number | undefined;
  am: boolean;
  pm: boolean;
}

/**
 * Reads one layout element at the start of the value into the fields: the value's rest, or
 * undefined when it does not match. `layoutRest` is the layout after the element.
 */
type FieldReader = (p: Fields, v: string, c: Chunk, layoutRest: string) => string | undefined;

/** One or two digits within [lo, hi] (exactly two when fixed) into a numeric field. */
const numberInto =
  (key: 'month' | 'day' | 'hour' | 'min' | 'sec', fixed: boolean, lo: number, hi: number): FieldReader =>
  (p, v) => {
    const r = getnum(v, fixed);
    if (r === undefined || r[0] < lo || r[0] > hi) return undefined;
    p[key] = r[0];
    return r[1];
  };

const year2: FieldReader = (p, v) => {
  if (v.length < 2 || !/^[0-9]{2}/.test(v)) return undefined;
  const y = Number(v.slice(0, 2));
  p.year = y >= 69 ? y + 1900 : y + 2000;
  return v.slice(2);
};

const year4: FieldReader = (p, v) => {
  if (v.length < 4 || !/^[0-9]{4}/.test(v)) return undefined;
  p.year = Number(v.slice(0, 4));
  return v.slice(4);
};

const monthName =
  (names: readonly string[]): FieldReader =>
  (p, v) => {
    const r = lookupName(names, v);
    if (r === undefined) return undefined;
    p.month = r[0] + 1;
    return r[1];
  };

/** A weekday's name is read and checked against nothing, as in Go. */
const weekDayName =
  (names: readonly string[]): FieldReader =>
  (_p, v) =>
    lookupName(names, v)?.[1];

/** "_2" lets one leading space stand for a digit. */
const dayInto = numberInto('day', false, 0, 99);
const underDay: FieldReader = (p, v, c, l) => dayInto(p, v[0] === ' ' ? v.slice(1) : v, c, l);

const yearDayInto =
  (under: boolean, fixed: boolean): FieldReader =>
  (p, v) => {
    let rest = v;
    for (let i = 0; i < 2; i++) if (under && rest[0] === ' ') rest = rest.slice(1);
    const r = getnum3(rest, fixed);
    if (r === undefined) return undefined;
    p.yday = r[0];
    return r[1];
  };

/** A fractional second the layout does not show is parsed anyway, as Go does. */
function unshownFraction(p: Fields, v: string, layoutRest: string): string | undefined {
  if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !isDigitAt(v, 1)) return v;
  const next = nextChunk(layoutRest).std;
  if (next === 'FracSecond0' || next === 'FracSecond9') return v;
  let n = 2;
  while (n < v.length && isDigitAt(v, n)) n++;
  const ns = parseNanoseconds(v, n);
  if (ns === undefined) return undefined;
  p.nsec = ns;
  return v.slice(n);
}

const secondInto = (fixed: boolean): FieldReader => {
  const read = numberInto('sec', fixed, 0, 59);
  return (p, v, c, layoutRest) => {
    const rest = read(p, v, c, layoutRest);
    return rest === undefined ? undefined : unshownFraction(p, rest, layoutRest);
  };
};

const meridiem =
  (PM: string, AM: string): FieldReader =>
  (p, v) => {
    if (v.length < 2) return undefined;
    const m = v.slice(0, 2);
    if (m === PM) p.pm = true;
    else if (m === AM) p.am = true;
    else return undefined;
    return v.slice(2);
  };

/** "MST": UTC sets the offset; another abbreviation is not a zone of the (UTC) local location,
 * so Go keeps the wall clock as UTC. */
const zoneName: FieldReader = (p, v) => {
  if (v.startsWith('UTC')) {
    p.zoneOffset = 0;
    return v.slice(3);
  }
  const n = parseTimeZone(v);
  return n === 0 ? undefined : v.slice(n);
};

const fraction0: FieldReader = (p, v, c) => {
  const nd = 1 + c.digits;
  if (v.length < nd) return undefined;
  const ns = parseNanoseconds(v, nd);
  if (ns === undefined) return undefined;
  p.nsec = ns;
  return v.slice(nd);
};

/** ".999": an optional fraction of any length. */
const fraction9: FieldReader = (p, v) => {
  if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !isDigitAt(v, 1)) return v;
  let i = 0;
  while (i + 1 < v.length && isDigitAt(v, i + 1)) i++;
  const ns = parseNanoseconds(v, 1 + i);
  if (ns === undefined) return undefined;
  p.nsec = ns;
  return v.slice(1 + i);
};

const offsetInto =
  (std: Std): FieldReader =>
  (p, v) => {
    const z = parseZone(std, v);
    if (z === undefined) return undefined;
    p.zoneOffset = z[0];
    return z[1];
  };

const readers: Record<Std, FieldReader> = {
  Year: year2,
  LongYear: year4,
  Month: monthName(shortMonthNames),
  LongMonth: monthName(longMonthNames),
  NumMonth: numberInto('month', false, 1, 12),
  ZeroMonth: numberInto('month', true, 1, 12),
  WeekDay: weekDayName(shortDayNames),
  LongWeekDay: weekDayName(longDayNames),
  Day: dayInto,
  UnderDay: underDay,
  ZeroDay: numberInto('day', true, 0, 99),
  UnderYearDay: yearDayInto(true, false),
  ZeroYearDay: yearDayInto(false, true),
  Hour: numberInto('hour', false, 0, 23),
  Hour12: numberInto('hour', false, 0, 12),
  ZeroHour12: numberInto('hour', true, 0, 12),
  Minute: numberInto('min', false, 0, 59),
  ZeroMinute: numberInto('min', true, 0, 59),
  Second: secondInto(false),
  ZeroSecond: secondInto(true),
  PM: meridiem('PM', 'AM'),
  pm: meridiem('pm', 'am'),
  TZ: zoneName,
  FracSecond0: fraction0,
  FracSecond9: fraction9,
  ISO8601TZ: offsetInto('ISO8601TZ'),
  ISO8601SecondsTZ: offsetInto('ISO8601SecondsTZ'),
  ISO8601ShortTZ: offsetInto('ISO8601ShortTZ'),
  ISO8601ColonTZ: offsetInto('ISO8601ColonTZ'),
  ISO8601ColonSecondsTZ: offsetInto('ISO8601ColonSecondsTZ'),
  NumTZ: offsetInto('NumTZ'),
  NumSecondsTz: offsetInto('NumSecondsTz'),
  NumShortTZ: offsetInto('NumShortTZ'),
  NumColonTZ: offsetInto('NumColonTZ'),
  NumColonSecondsTZ: offsetInto('NumColonSecondsTZ'),
};

/** The fields combined: 12-hour clock, year day against month and day, the day in its month. */
function instantOf(p: Fields): [number, number] | undefined {
  let { month, day, hour } = p;
  if (p.pm && hour < 12) hour += 12;
  else if (p.am && hour === 12) hour = 0;
  if (p.yday >= 0) {
    const md = monthDayOf(p.year, p.yday);
    if (md === undefined) return undefined;
    if (month >= 0 && month !== md[0]) return undefined;
    if (day >= 0 && day !== md[1]) return undefined;
    [month, day] = md;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, p.year)) return undefined;
  const wall = wallSeconds(p.year, month, day, hour, p.min, p.sec);
  return [wall - (p.zoneOffset ?? 0), p.nsec];
}

/** Go's time.Parse(layout, value) with the local zone UTC: [unix seconds, nanoseconds] or undefined. */
export function parseTime(layout: string, value: string): [number, number] | undefined {
  const p: Fields = {
    year: 0,
    month: -1,
    day: -1,
    yday: -1,
    hour: 0,
    min: 0,
    sec: 0,
    nsec: 0,
    zoneOffset: undefined,
    am: false,
    pm: false,
  };
  let l = layout;
  let v: string | undefined = value;
  for (;;) {
    const c = nextChunk(l);
    v = skip(v, c.prefix);
    if (v === undefined) return undefined;
    if (c.std === undefined) return v.length === 0 ? instantOf(p) : undefined;
    l = c.suffix;
    v = readers[c.std](p, v, c, l);
    if (v === undefined) return undefined;
  }
}
