/**
 * The field readers of Go's time.Parse (golang/go src/time/format.go): numbers, names, literal
 * text, fractions and zones at the start of a value, each returning what it read and the rest.
 */
import { daysIn, isLeap } from './civil.js';
import type { Std } from './go-layout.js';
import { isDigitAt } from './go-layout.js';

/** Go's getnum: one or two digits (exactly two when fixed). */
export function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

export function getnum3(s: string, fixed: boolean): [number, string] | undefined {
  let i = 0;
  while (i < 3 && isDigitAt(s, i)) i++;
  if (i === 0 || (fixed && i !== 3)) return undefined;
  return [Number(s.slice(0, i)), s.slice(i)];
}

/** Go's skip: the layout's literal text, runs of spaces matching runs of spaces. */
export function skip(value: string, prefix: string): string | undefined {
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

export function lookupName(tab: readonly string[], val: string): [number, string] | undefined {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i]!;
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase())
      return [i, val.slice(v.length)];
  }
  return undefined;
}

/** Go's parseNanoseconds: value starts with the separator; nbytes counts it. */
export function parseNanoseconds(value: string, nbytes: number): number | undefined {
  if (value[0] !== '.' && value[0] !== ',') return undefined;
  const n = Math.min(nbytes, 10);
  const digits = value.slice(1, n);
  if (!/^[0-9]*$/.test(digits) || digits === '') return undefined;
  return Number(digits) * 10 ** (10 - n);
}

/** Go's parseTimeZone: the length of a zone abbreviation at the start of value, or 0. */
export function parseTimeZone(value: string): number {
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

/** Days before the first of a month in a non-leap year (Go's daysBefore). */
function daysBefore(m: number): number {
  let n = 0;
  for (let i = 1; i < m; i++) n += daysIn(i, 2001);
  return n;
}

/**
 * The month and day of a day of the year (1-based), as Go's time.Parse resolves "002": undefined
 * when the year has no such day.
 */
export function monthDayOf(year: number, yday: number): [number, number] | undefined {
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
  return [m, d];
}

/** Go's parseTimeZone for the numeric forms: [offset seconds east, rest], or undefined. */
export function parseZone(std: Std, v: string): [number, string] | undefined {
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
