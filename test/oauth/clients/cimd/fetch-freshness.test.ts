import { describe, expect, it } from 'vitest';
import { DEFAULT_FRESHNESS, freshnessSeconds } from '../../../../src/oauth/clients/cimd/fetch-freshness.js';

describe('metadata document freshness (Cache-Control within bounds)', () => {
  it.each([
    [undefined, DEFAULT_FRESHNESS.fallback],
    ['max-age=600', 600],
    ['public, max-age=3600', 3600],
    ['max-age="120"', 120],
    ['max-age=5', DEFAULT_FRESHNESS.min],
    ['max-age=99999999', DEFAULT_FRESHNESS.max],
    ['no-store', DEFAULT_FRESHNESS.min],
    ['no-cache, max-age=600', DEFAULT_FRESHNESS.min],
    ['max-age=abc', DEFAULT_FRESHNESS.fallback],
  ])('%s → %i s', (header, seconds) => {
    expect(freshnessSeconds(header)).toBe(seconds);
  });
});
