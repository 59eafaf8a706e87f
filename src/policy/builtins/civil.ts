/**
 * Proleptic Gregorian calendar arithmetic on whole days and seconds since the Unix epoch, as Go's
 * `time` package does it (every year has the Gregorian rules, there is a year 0, no leap seconds).
 * The day ↔ date conversion is H. Hinnant's `days_from_civil` / `civil_from_days`
 * (https://howardhinnant.github.io/date_algorithms.html), exact for any safe-integer day count.
 */

export const SECONDS_PER_DAY = 86_400;

const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** Days since 1970-01-01 of year-month-day (month 1–12, day 1–31; no normalization). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The [year, month, day] of a day count since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = floorDiv(z, 146_097);
  const doe = z - era * 146_097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36_524) - floorDiv(doe, 146_096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day];
}

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysIn(month: number, year: number): number {
  return month === 2 && isLeap(year) ? 29 : (monthDays[month - 1] as number);
}

/** Day of the year, 1–366. */
export function yearDay(year: number, month: number, day: number): number {
  return daysFromCivil(year, month, day) - daysFromCivil(year, 1, 1) + 1;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/**
 * Seconds since the epoch of a wall-clock reading, normalizing out-of-range fields the way Go's
 * `time.Date` does (month 13 is January of the next year, day 0 the last day of the month before,
 * hour 25 one o'clock the next day, …).
 */
export function wallSeconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  min: number,
  sec: number,
): number {
  const m0 = month - 1;
  const y = year + floorDiv(m0, 12);
  const m = m0 - floorDiv(m0, 12) * 12 + 1;
  const days = daysFromCivil(y, m, 1) + (day - 1);
  return days * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
}

/** The calendar fields of a wall-clock second count (seconds since the epoch as if in UTC). */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Days since 1970-01-01. */
  days: number;
}

export function civil(wall: number): Civil {
  const days = floorDiv(wall, SECONDS_PER_DAY);
  const rest = wall - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: floorDiv(rest, 3600),
    minute: floorDiv(rest % 3600, 60),
    second: rest % 60,
    days,
  };
}
