/**
 * Go's Time.Format (golang/go src/time/format.go) over the layout chunks of go-layout.ts: one
 * formatter per layout element.
 */
import type { Civil } from './civil.js';
import { civil, weekdayOf, yearDay } from './civil.js';
import type { Std } from './go-layout.js';
import { longDayNames, longMonthNames, nextChunk } from './go-layout.js';
import type { Zone } from './zone.js';

/** Go's appendInt: decimal, zero-padded to width, '-' before the padding. */
function pad(x: number, width: number): string {
  const s = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? '-' + s : s;
}

/** A fractional second: `digits` of them after `sep`, trailing zeros trimmed when `trim`. */
function nano(nsec: number, digits: number, sep: string, trim: boolean): string {
  if (trim && (digits === 0 || nsec === 0)) return '';
  let s = pad(nsec, 9);
  if (digits < 9) s = s.slice(0, digits);
  if (trim) s = s.replace(/0+$/, '');
  return s === '' ? '' : sep + s;
}

/** A numeric zone offset in one of the layout's forms ("-0700", "Z07:00", "-07:00:00", …). */
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

/** The instant being formatted: its wall-clock fields in the zone, and the zone's offset. */
interface Instant {
  f: Civil;
  nsec: number;
  zone: Zone;
  offset: number;
}

/** One layout element's text; undefined when it cannot be written (an unknown abbreviation). */
type Formatter = (t: Instant, digits: number, sep: string) => string | undefined;

const hour12 = (hour: number): number => (hour % 12 === 0 ? 12 : hour % 12);
const offsetAs =
  (std: Std): Formatter =>
  (t) =>
    zoneText(std, t.offset);

function underYearDay({ f }: Instant): string {
  const yd = yearDay(f.year, f.month, f.day);
  return (yd < 100 ? (yd < 10 ? '  ' : ' ') : '') + String(yd);
}

const formatters: Record<Std, Formatter> = {
  Year: ({ f }) => pad(Math.abs(f.year) % 100, 2),
  LongYear: ({ f }) => pad(f.year, 4),
  Month: ({ f }) => longMonthNames[f.month - 1]!.slice(0, 3),
  LongMonth: ({ f }) => longMonthNames[f.month - 1]!,
  NumMonth: ({ f }) => String(f.month),
  ZeroMonth: ({ f }) => pad(f.month, 2),
  WeekDay: ({ f }) => longDayNames[weekdayOf(f.days)]!.slice(0, 3),
  LongWeekDay: ({ f }) => longDayNames[weekdayOf(f.days)]!,
  Day: ({ f }) => String(f.day),
  UnderDay: ({ f }) => (f.day < 10 ? ' ' : '') + String(f.day),
  ZeroDay: ({ f }) => pad(f.day, 2),
  UnderYearDay: underYearDay,
  ZeroYearDay: ({ f }) => pad(yearDay(f.year, f.month, f.day), 3),
  Hour: ({ f }) => pad(f.hour, 2),
  Hour12: ({ f }) => String(hour12(f.hour)),
  ZeroHour12: ({ f }) => pad(hour12(f.hour), 2),
  Minute: ({ f }) => String(f.minute),
  ZeroMinute: ({ f }) => pad(f.minute, 2),
  Second: ({ f }) => String(f.second),
  ZeroSecond: ({ f }) => pad(f.second, 2),
  PM: ({ f }) => (f.hour >= 12 ? 'PM' : 'AM'),
  pm: ({ f }) => (f.hour >= 12 ? 'pm' : 'am'),
  TZ: ({ zone }) => zone.abbreviation,
  FracSecond0: (t, digits, sep) => nano(t.nsec, digits, sep, false),
  FracSecond9: (t, digits, sep) => nano(t.nsec, digits, sep, true),
  ISO8601TZ: offsetAs('ISO8601TZ'),
  ISO8601SecondsTZ: offsetAs('ISO8601SecondsTZ'),
  ISO8601ShortTZ: offsetAs('ISO8601ShortTZ'),
  ISO8601ColonTZ: offsetAs('ISO8601ColonTZ'),
  ISO8601ColonSecondsTZ: offsetAs('ISO8601ColonSecondsTZ'),
  NumTZ: offsetAs('NumTZ'),
  NumSecondsTz: offsetAs('NumSecondsTz'),
  NumShortTZ: offsetAs('NumShortTZ'),
  NumColonTZ: offsetAs('NumColonTZ'),
  NumColonSecondsTZ: offsetAs('NumColonSecondsTZ'),
};

/**
 * Go's Time.Format for an instant in a zone. Undefined when the layout asks for a zone
 * abbreviation ("MST") that is not known here (any zone but UTC): Go would print e.g. "CET".
 */
export function formatTime(unix: number, nsec: number, zone: Zone, layout: string): string | undefined {
  const offset = zone.offsetAt(unix);
  const t: Instant = { f: civil(unix + offset), nsec, zone, offset };
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const c = nextChunk(rest);
    out += c.prefix;
    if (c.std === undefined) break;
    rest = c.suffix;
    const text = formatters[c.std](t, c.digits, c.sep);
    if (text === undefined) return undefined;
    out += text;
  }
  return out;
}
