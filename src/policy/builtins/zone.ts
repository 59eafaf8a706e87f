/**
 * Time zones for the time builtins: UTC, "Local" (the process's zone, as OPA's `time.Local`) and
 * IANA names, with offsets from the JavaScript runtime's ICU data (OPA embeds Go's tzdata; both
 * are the IANA database, so they agree where their versions do).
 */
import { daysFromCivil, SECONDS_PER_DAY } from './civil.js';

export interface Zone {
  /** The name as the policy gave it ("UTC", "Local", "Europe/Paris"). */
  readonly name: string;
  /** Seconds east of UTC in effect at this instant (seconds since the epoch). */
  offsetAt(unix: number): number;
  /** Go's zone abbreviation when it is known (UTC only); undefined otherwise. */
  readonly abbreviation: string | undefined;
}

export const UTC: Zone = { name: 'UTC', offsetAt: () => 0, abbreviation: 'UTC' };

const cache = new Map<string, Zone | null>();
const MAX_CACHED = 512;

function ianaZone(name: string): Zone | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  const resolved = format.resolvedOptions().timeZone;
  // ICU matches names case-insensitively; Go's tzdata lookup does not.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return undefined;
  let lastUnix = Number.NaN;
  let lastOffset = 0;
  return {
    name,
    abbreviation: undefined,
    offsetAt(unix: number): number {
      if (unix === lastUnix) return lastOffset;
      const f: Record<string, string> = {};
      for (const p of format.formatToParts(unix * 1000)) f[p.type] = p.value;
      let year = Number(f.year);
      if (f.era === 'BC' || f.era === 'B') year = 1 - year;
      const wall =
        daysFromCivil(year, Number(f.month), Number(f.day)) * SECONDS_PER_DAY +
        Number(f.hour) * 3600 +
        Number(f.minute) * 60 +
        Number(f.second);
      lastUnix = unix;
      lastOffset = wall - Math.floor(unix);
      return lastOffset;
    },
  };
}

/**
 * The zone a time builtin names: "" and "UTC" are UTC, "Local" the process's zone, anything else
 * an IANA name (undefined when unknown, as Go's LoadLocation fails). Offsets such as "+01:00" and
 * names differing from the IANA spelling only in case are refused, as Go refuses them.
 */
export function resolveZone(name: string): Zone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  let z = cache.get(name);
  if (z === undefined) {
    if (name === 'Local') {
      const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
      z = local === 'UTC' || local === 'Etc/UTC' ? UTC : (ianaZone(local) ?? UTC);
      z = { ...z, name: 'Local', offsetAt: z.offsetAt.bind(z) };
    } else if (/^[+-]/.test(name) || name.includes('..')) {
      z = null;
    } else {
      z = ianaZone(name) ?? null;
    }
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(name, z);
  }
  return z ?? undefined;
}
