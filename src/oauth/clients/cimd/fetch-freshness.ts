/**
 * How long a fetched metadata document stays fresh (CIMD §4.3: caches honour HTTP caching, RFC 9111
 * §5.2.2), kept within bounds: a floor so that `no-store` cannot make every token request fetch
 * again, a ceiling so that a changed document (a removed redirect URI) is seen within a day.
 */
export interface FreshnessBounds {
  min: number;
  max: number;
  /** When the response says nothing about caching. */
  fallback: number;
}

export const DEFAULT_FRESHNESS: FreshnessBounds = { min: 60, max: 86_400, fallback: 300 };

export function freshnessSeconds(
  cacheControl: string | undefined,
  bounds: FreshnessBounds = DEFAULT_FRESHNESS,
): number {
  const directives = new Map<string, string | undefined>();
  for (const part of (cacheControl ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache')) return bounds.min;
  const maxAge = directives.get('max-age');
  const seconds = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : bounds.fallback;
  return Math.min(bounds.max, Math.max(bounds.min, seconds));
}
