/**
 * Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"), as `time.format` and `time.parse_ns`
 * take them: the layout chunks of Go's `nextStdChunk`, `Time.Format` and `time.Parse`
 * (golang/go src/time/format.go), re-implemented here because opa-wasm leaves these builtins to
 * the host. Parsing assumes the host zone is UTC, as OPA running in a container does: a zone
 * abbreviation other than UTC (e.g. "MST") keeps the wall clock as UTC, as Go does for a name the
 * local zone does not define.
 */
import { civil, daysIn, isLeap, wallSeconds, weekdayOf, yearDay } from './civil.js';
import type { Zone } from './zone.js';

type Std =
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

interface Chunk {
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
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
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

/** Go's nextStdChunk: the text before the first layout element, the element, and the rest. */
export function nextChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const at = (s: string): boolean => layout.startsWith(s, i);
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return chunk(layout, i, 'LongMonth', 7);
          if (!lowerAt(layout, i + 3)) return chunk(layout, i, 'Month', 3);
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return chunk(layout, i, 'LongWeekDay', 6);
          if (!lowerAt(layout, i + 3)) return chunk(layout, i, 'WeekDay', 3);
        }
        if (at('MST')) return chunk(layout, i, 'TZ', 3);
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6') return chunk(layout, i, std0x[Number(n) - 1]!, 2);
        if (at('002')) return chunk(layout, i, 'ZeroYearDay', 3);
        break;
      }
      case '1':
        if (at('15')) return chunk(layout, i, 'Hour', 2);
        return chunk(layout, i, 'NumMonth', 1);
      case '2':
        if (at('2006')) return chunk(layout, i, 'LongYear', 4);
        return chunk(layout, i, 'Day', 1);
      case '_':
        if (layout[i + 1] === '2') {
          // "_2006" is a literal "_" and then the year.
          if (layout.startsWith('2006', i + 1)) return chunk(layout, i + 1, 'LongYear', 4, i + 1);
          return chunk(layout, i, 'UnderDay', 2);
        }
        if (at('__2')) return chunk(layout, i, 'UnderYearDay', 3);
        break;
      case '3':
        return chunk(layout, i, 'Hour12', 1);
      case '4':
        return chunk(layout, i, 'Minute', 1);
      case '5':
        return chunk(layout, i, 'Second', 1);
      case 'P':
        if (layout[i + 1] === 'M') return chunk(layout, i, 'PM', 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return chunk(layout, i, 'pm', 2);
        break;
      case '-':
      case 'Z':
        for (const [tok, std] of tzTokens) if (at(tok)) return chunk(layout, i, std, tok.length);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            return {
              prefix: layout.slice(0, i),
              std: ch === '0' ? 'FracSecond0' : 'FracSecond9',
              digits: j - (i + 1),
              sep: c,
              suffix: layout.slice(j),
            };
          }
        }
        break;
      }
    }
  }
  return { prefix: layout, std: undefined, digits: 0, sep: '.', suffix: '' };
}

export const longDayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const longMonthNames = [
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

/** Go's appendInt: decimal, zero-padded to width, '-' before the padding. */
function pad(x: number, width: number): string {
  const s = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? '-' + s : s;
}

function nano(nsec: number, digits: number, sep: string, trim: boolean): string {
  if (trim && (digits === 0 || nsec === 0)) return '';
  let s = pad(nsec, 9);
  if (digits < 9) s = s.slice(0, digits);
  if (trim) s = s.replace(/0+$/, '');
  return s === '' ? '' : sep + s;
}

function zoneText(std: Std, offset: number): string {
  const iso = std.startsWith('ISO8601');
  if (offset === 0 && iso) return 'Z';
  let zone = Math.trunc(offset / 60);
  let abs = offset;
  let out = '+';
  if (zone < 0) {
    out = '-';
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.trunc(zone / 60), 2);
  const colon = std.includes('Colon');
  if (colon) out += ':';
  if (std !== 'NumShortTZ' && std !== 'ISO8601ShortTZ') out += pad(zone % 60, 2);
  if (std.includes('Seconds') || std === 'NumSecondsTz') {
    if (colon) out += ':';
    out += pad(abs % 60, 2);
  }
  return out;
}

/**
 * Go's Time.Format for an instant in a zone. Undefined when the layout asks for a zone
 * abbreviation ("MST") that is not known here (any zone but UTC): Go would print e.g. "CET".
 */
export function formatTime(unix: number, nsec: number, zone: Zone, layout: string): string | undefined {
  const offset = zone.offsetAt(unix);
  const f = civil(unix + offset);
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const c = nextChunk(rest);
    out += c.prefix;
    if (c.std === undefined) break;
    rest = c.suffix;
    switch (c.std) {
      case 'Year':
        out += pad(Math.abs(f.year) % 100, 2);
        break;
      case 'LongYear':
        out += pad(f.year, 4);
        break;
      case 'Month':
        out += longMonthNames[f.month - 1]!.slice(0, 3);
        break;
      case 'LongMonth':
        out += longMonthNames[f.month - 1]!;
        break;
      case 'NumMonth':
        out += String(f.month);
        break;
      case 'ZeroMonth':
        out += pad(f.month, 2);
        break;
      case 'WeekDay':
        out += longDayNames[weekdayOf(f.days)]!.slice(0, 3);
        break;
      case 'LongWeekDay':
        out += longDayNames[weekdayOf(f.days)]!;
        break;
      case 'Day':
        out += String(f.day);
        break;
      case 'UnderDay':
        out += (f.day < 10 ? ' ' : '') + String(f.day);
        break;
      case 'ZeroDay':
        out += pad(f.day, 2);
        break;
      case 'UnderYearDay': {
        const yd = yearDay(f.year, f.month, f.day);
        out += (yd < 100 ? (yd < 10 ? '  ' : ' ') : '') + String(yd);
        break;
      }
      case 'ZeroYearDay':
        out += pad(yearDay(f.year, f.month, f.day), 3);
        break;
      case 'Hour':
        out += pad(f.hour, 2);
        break;
      case 'Hour12':
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case 'ZeroHour12':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
        break;
      case 'Minute':
        out += String(f.minute);
        break;
      case 'ZeroMinute':
        out += pad(f.minute, 2);
        break;
      case 'Second':
        out += String(f.second);
        break;
      case 'ZeroSecond':
        out += pad(f.second, 2);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        if (zone.abbreviation === undefined) return undefined;
        out += zone.abbreviation;
        break;
      case 'FracSecond0':
      case 'FracSecond9':
        out += nano(nsec, c.digits, c.sep, c.std === 'FracSecond9');
        break;
      default:
        out += zoneText(c.std, offset);
    }
  }
  return out;
}

/** Go's getnum: one or two digits (exactly two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] | undefined {
  let i = 0;
  while (i < 3 && isDigitAt(s, i)) i++;
  if (i === 0 || (fixed && i !== 3)) return undefined;
  return [Number(s.slice(0, i)), s.slice(i)];
}

/** Go's skip: the layout's literal text, runs of spaces matching runs of spaces. */
function skip(value: string, prefix: string): string | undefined {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return undefined;
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

function lookupName(tab: readonly string[], val: string): [number, string] | undefined {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i]!;
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase())
      return [i, val.slice(v.length)];
  }
  return undefined;
}

/** Go's parseNanoseconds: value starts with the separator; nbytes counts it. */
function parseNanoseconds(value: string, nbytes: number): number | undefined {
  if (value[0] !== '.' && value[0] !== ',') return undefined;
  const n = Math.min(nbytes, 10);
  const digits = value.slice(1, n);
  if (!/^[0-9]*$/.test(digits) || digits === '') return undefined;
  return Number(digits) * 10 ** (10 - n);
}

/** Go's parseTimeZone: the length of a zone abbreviation at the start of value, or 0. */
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return 3 + signedOffset(value.slice(3));
  if (value[0] === '+' || value[0] === '-') return signedOffset(value);
  let n = 0;
  while (n < 6 && n < value.length && value[n]! >= 'A' && value[n]! <= 'Z') n++;
  if (n === 5) return value[4] === 'T' ? 5 : 0;
  if (n === 4) return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
  return n === 3 ? 3 : 0;
}

function signedOffset(value: string): number {
  if (value === '' || (value[0] !== '+' && value[0] !== '-')) return 0;
  const m = /^[0-9]+/.exec(value.slice(1));
  if (m === null || Number(m[0]) > 23) return 0;
  return 1 + m[0].length;
}

const shortDayNames = longDayNames.map((d) => d.slice(0, 3));
const shortMonthNames = longMonthNames.map((m) => m.slice(0, 3));

/** Go's time.Parse(layout, value) with the local zone UTC: [unix seconds, nanoseconds] or undefined. */
export function parseTime(layout: string, value: string): [number, number] | undefined {
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let zoneOffset: number | undefined;
  let am = false;
  let pm = false;
  let l = layout;
  let v = value;
  for (;;) {
    const c = nextChunk(l);
    const skipped = skip(v, c.prefix);
    if (skipped === undefined) return undefined;
    v = skipped;
    if (c.std === undefined) {
      if (v.length !== 0) return undefined;
      break;
    }
    l = c.suffix;
    let r: [number, string] | undefined;
    switch (c.std) {
      case 'Year': {
        if (v.length < 2 || !/^[0-9]{2}/.test(v)) return undefined;
        const y = Number(v.slice(0, 2));
        year = y >= 69 ? y + 1900 : y + 2000;
        v = v.slice(2);
        break;
      }
      case 'LongYear':
        if (v.length < 4 || !/^[0-9]{4}/.test(v)) return undefined;
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case 'Month':
      case 'LongMonth':
        r = lookupName(c.std === 'Month' ? shortMonthNames : longMonthNames, v);
        if (r === undefined) return undefined;
        month = r[0] + 1;
        v = r[1];
        break;
      case 'NumMonth':
      case 'ZeroMonth':
        r = getnum(v, c.std === 'ZeroMonth');
        if (r === undefined || r[0] <= 0 || r[0] > 12) return undefined;
        [month, v] = r;
        break;
      case 'WeekDay':
      case 'LongWeekDay':
        r = lookupName(c.std === 'WeekDay' ? shortDayNames : longDayNames, v);
        if (r === undefined) return undefined;
        v = r[1];
        break;
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (c.std === 'UnderDay' && v[0] === ' ') v = v.slice(1);
        r = getnum(v, c.std === 'ZeroDay');
        if (r === undefined) return undefined;
        [day, v] = r;
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        for (let i = 0; i < 2; i++) if (c.std === 'UnderYearDay' && v[0] === ' ') v = v.slice(1);
        r = getnum3(v, c.std === 'ZeroYearDay');
        if (r === undefined) return undefined;
        [yday, v] = r;
        break;
      case 'Hour':
        r = getnum(v, false);
        if (r === undefined || r[0] >= 24) return undefined;
        [hour, v] = r;
        break;
      case 'Hour12':
      case 'ZeroHour12':
        r = getnum(v, c.std === 'ZeroHour12');
        if (r === undefined || r[0] > 12) return undefined;
        [hour, v] = r;
        break;
      case 'Minute':
      case 'ZeroMinute':
        r = getnum(v, c.std === 'ZeroMinute');
        if (r === undefined || r[0] >= 60) return undefined;
        [min, v] = r;
        break;
      case 'Second':
      case 'ZeroSecond': {
        r = getnum(v, c.std === 'ZeroSecond');
        if (r === undefined || r[0] >= 60) return undefined;
        [sec, v] = r;
        // A fractional second the layout does not show is parsed anyway.
        if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigitAt(v, 1)) {
          const next = nextChunk(l).std;
          if (next === 'FracSecond0' || next === 'FracSecond9') break;
          let n = 2;
          while (n < v.length && isDigitAt(v, n)) n++;
          const ns = parseNanoseconds(v, n);
          if (ns === undefined) return undefined;
          nsec = ns;
          v = v.slice(n);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        if (v.length < 2) return undefined;
        const p = v.slice(0, 2);
        v = v.slice(2);
        const [P, A] = c.std === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (p === P) pm = true;
        else if (p === A) am = true;
        else return undefined;
        break;
      }
      case 'TZ': {
        if (v.startsWith('UTC')) {
          zoneOffset = 0;
          v = v.slice(3);
          break;
        }
        const n = parseTimeZone(v);
        if (n === 0) return undefined;
        // Not a zone of the (UTC) local location: Go keeps the wall clock as UTC.
        v = v.slice(n);
        break;
      }
      case 'FracSecond0': {
        const nd = 1 + c.digits;
        if (v.length < nd) return undefined;
        const ns = parseNanoseconds(v, nd);
        if (ns === undefined) return undefined;
        nsec = ns;
        v = v.slice(nd);
        break;
      }
      case 'FracSecond9': {
        if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !isDigitAt(v, 1)) break;
        let i = 0;
        while (i + 1 < v.length && isDigitAt(v, i + 1)) i++;
        const ns = parseNanoseconds(v, 1 + i);
        if (ns === undefined) return undefined;
        nsec = ns;
        v = v.slice(1 + i);
        break;
      }
      default: {
        const z = parseZone(c.std, v);
        if (z === undefined) return undefined;
        [zoneOffset, v] = z;
      }
    }
  }
  if (pm && hour < 12) hour += 12;
  else if (am && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0;
    let m = 0;
    let yd = yday;
    if (isLeap(year)) {
      if (yd === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yd > 31 + 29) yd--;
    }
    if (yd < 1 || yd > 365) return undefined;
    if (m === 0) {
      m = Math.floor((yd - 1) / 31) + 1;
      if (daysBefore(m + 1) < yd) m++;
      d = yd - daysBefore(m);
    }
    if (month >= 0 && month !== m) return undefined;
    month = m;
    if (day >= 0 && day !== d) return undefined;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) return undefined;
  const wall = wallSeconds(year, month, day, hour, min, sec);
  return [wall - (zoneOffset ?? 0), nsec];
}

/** Days before the first of a month in a non-leap year (Go's daysBefore). */
function daysBefore(m: number): number {
  let n = 0;
  for (let i = 1; i < m; i++) n += daysIn(i, 2001);
  return n;
}

function parseZone(std: Std, v: string): [number, string] | undefined {
  if (std.startsWith('ISO8601') && v[0] === 'Z') return [0, v.slice(1)];
  let parts: [string, string, string, string, string];
  if (std === 'ISO8601ColonTZ' || std === 'NumColonTZ') {
    if (v.length < 6 || v[3] !== ':') return undefined;
    parts = [v[0]!, v.slice(1, 3), v.slice(4, 6), '00', v.slice(6)];
  } else if (std === 'NumShortTZ' || std === 'ISO8601ShortTZ') {
    if (v.length < 3) return undefined;
    parts = [v[0]!, v.slice(1, 3), '00', '00', v.slice(3)];
  } else if (std === 'ISO8601ColonSecondsTZ' || std === 'NumColonSecondsTZ') {
    if (v.length < 9 || v[3] !== ':' || v[6] !== ':') return undefined;
    parts = [v[0]!, v.slice(1, 3), v.slice(4, 6), v.slice(7, 9), v.slice(9)];
  } else if (std === 'ISO8601SecondsTZ' || std === 'NumSecondsTz') {
    if (v.length < 7) return undefined;
    parts = [v[0]!, v.slice(1, 3), v.slice(3, 5), v.slice(5, 7), v.slice(7)];
  } else {
    if (v.length < 5) return undefined;
    parts = [v[0]!, v.slice(1, 3), v.slice(3, 5), '00', v.slice(5)];
  }
  const [sign, hh, mm, ss, rest] = parts;
  const two = /^[0-9]{2}$/;
  if (!two.test(hh) || !two.test(mm) || !two.test(ss)) return undefined;
  const hr = Number(hh);
  const mi = Number(mm);
  const se = Number(ss);
  if (hr > 24 || mi > 60 || se > 60) return undefined;
  let off = (hr * 60 + mi) * 60 + se;
  if (sign === '-') off = -off;
  else if (sign !== '+') return undefined;
  return [off, rest];
}
