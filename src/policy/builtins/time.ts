/**
 * OPA's time builtins for the WebAssembly target, where opa-wasm leaves them to the host
 * (semantics of open-policy-agent/opa v1/topdown/time.go). `time.now_ns` is the decision's own
 * clock, `input.now` (seconds) × 10^9, so that a decision replays exactly. A builtin error (a bad
 * operand, an unknown zone, a value outside the int64 nanosecond range) makes the call undefined,
 * as OPA does by default (non-strict builtin errors).
 */
import { civil, wallSeconds, weekdayOf } from './civil.js';
import { parseDuration } from './duration.js';
import { formatTime } from './go-format.js';
import { longDayNames, namedLayouts, RFC3339, RFC3339Nano } from './go-layout.js';
import { parseTime } from './go-parse.js';
import { exactInt, inInt64, int, int64 } from './values.js';
import { resolveZone } from './zone.js';
import type { Zone } from './zone.js';

const NS = 1_000_000_000n;

interface Instant {
  unix: number;
  nsec: number;
  zone: Zone;
  layout: string;
}

function fromNs(ns: bigint, zone: Zone, layout = ''): Instant {
  let s = ns / NS;
  let n = ns % NS;
  if (n < 0n) {
    n += NS;
    s -= 1n;
  }
  return { unix: Number(s), nsec: Number(n), zone, layout };
}

/** OPA's tzTime: a number of ns, or [ns], [ns, zone] or [ns, zone, layout]. */
function tzTime(a: unknown): Instant | undefined {
  let ns: unknown = a;
  let zone = resolveZone('');
  let layout = '';
  if (Array.isArray(a)) {
    if (a.length === 0) return undefined;
    ns = a[0];
    if (a.length > 1) {
      if (typeof a[1] !== 'string') return undefined;
      zone = resolveZone(a[1]);
    }
    if (a.length > 2) {
      if (typeof a[2] !== 'string') return undefined;
      layout = a[2];
    }
  } else if (typeof a !== 'number') return undefined;
  const n = int64(ns);
  if (n === undefined || zone === undefined) return undefined;
  return fromNs(n, zone, layout);
}

function fieldsOf(t: Instant) {
  return civil(t.unix + t.zone.offsetAt(t.unix));
}

/** Go's time.Date in a zone: the instant of a wall-clock reading, Go's choice at transitions. */
function dateIn(wall: number, zone: Zone): number {
  let offset = zone.offsetAt(wall);
  if (offset !== 0) {
    const utc = wall - offset;
    const atUtc = zone.offsetAt(utc);
    if (atUtc !== offset) offset = atUtc;
  }
  return wall - offset;
}

/** Unix nanoseconds, undefined outside int64 (OPA's toSafeUnixNano). */
function safeNs(unix: number, nsec: number): number | ArrayBuffer | undefined {
  const ns = BigInt(unix) * NS + BigInt(nsec);
  return inInt64(ns) ? exactInt(ns) : undefined;
}

/** The decision's clock: `input.now`, set by the evaluator before each evaluation. */
export interface DecisionClock {
  /** Seconds since the epoch, or undefined when the input has no numeric `now`. */
  now: number | undefined;
}

/** The time builtins that read only their arguments. */
const argumentBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'time.clock': (x) => {
    const t = tzTime(x);
    if (t === undefined) return undefined;
    const f = fieldsOf(t);
    return [f.hour, f.minute, f.second];
  },
  'time.date': (x) => {
    const t = tzTime(x);
    if (t === undefined) return undefined;
    const f = fieldsOf(t);
    return [f.year, f.month, f.day];
  },
  'time.weekday': (x) => {
    const t = tzTime(x);
    if (t === undefined) return undefined;
    return longDayNames[weekdayOf(fieldsOf(t).days)];
  },
  'time.add_date': (x, years, months, days) => {
    const t = tzTime(x);
    const y = int(years);
    const m = int(months);
    const d = int(days);
    if (t === undefined || y === undefined || m === undefined || d === undefined) return undefined;
    const f = fieldsOf(t);
    const wall = wallSeconds(f.year + y, f.month + m, f.day + d, f.hour, f.minute, f.second);
    return safeNs(dateIn(wall, t.zone), t.nsec);
  },
  'time.diff': (a, b) => {
    const t1 = tzTime(a);
    const t2 = tzTime(b);
    if (t1 === undefined || t2 === undefined) return undefined;
    return diff(t1, { ...t2, zone: t1.zone });
  },
  'time.format': (x) => {
    const t = tzTime(x);
    if (t === undefined) return undefined;
    const layout = t.layout === '' ? RFC3339Nano : (namedLayouts[t.layout] ?? t.layout);
    return formatTime(t.unix, t.nsec, t.zone, layout);
  },
  'time.parse_ns': (layout, value) => {
    if (typeof layout !== 'string' || typeof value !== 'string') return undefined;
    const r = parseTime(namedLayouts[layout] ?? layout, value);
    return r === undefined ? undefined : safeNs(r[0], r[1]);
  },
  'time.parse_rfc3339_ns': (value) => {
    if (typeof value !== 'string') return undefined;
    const r = parseTime(RFC3339, value);
    return r === undefined ? undefined : safeNs(r[0], r[1]);
  },
  'time.parse_duration_ns': (value) => {
    if (typeof value !== 'string') return undefined;
    const d = parseDuration(value);
    return d === undefined ? undefined : exactInt(d);
  },
};

export function timeBuiltins(clock: DecisionClock): Record<string, (...args: unknown[]) => unknown> {
  return {
    'time.now_ns': () => {
      const now = clock.now;
      if (now === undefined || !Number.isFinite(now)) return undefined;
      return Number.isInteger(now) ? exactInt(BigInt(now) * NS) : Math.trunc(now * 1e9);
    },
    ...argumentBuiltins,
  };
}

/** OPA's time.diff: [years, months, days, hours, minutes, seconds] between two instants. */
function diff(a: Instant, b: Instant): number[] {
  let t1 = a;
  let t2 = b;
  if (t1.unix > t2.unix || (t1.unix === t2.unix && t1.nsec > t2.nsec)) [t1, t2] = [t2, t1];
  const f1 = fieldsOf(t1);
  const f2 = fieldsOf(t2);
  let year = f2.year - f1.year;
  let month = f2.month - f1.month;
  let day = f2.day - f1.day;
  let hour = f2.hour - f1.hour;
  let min = f2.minute - f1.minute;
  let sec = f2.second - f1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in t1's month: Go's time.Date(y1, M1, 32) lands that many days past the month's end.
    const overflow = civil(wallSeconds(f1.year, f1.month, 32, 0, 0, 0)).day;
    day += 32 - overflow;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}
