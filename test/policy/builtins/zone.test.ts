// Zones for the time builtins: UTC by "" or "UTC", IANA names with their offsets (DST included),
// and refusal of what Go's LoadLocation refuses (unknown names, offsets, other capitalization).
import { describe, expect, it } from 'vitest';
import { resolveZone, UTC } from '../../../src/policy/builtins/zone.js';

const winter = Date.UTC(2025, 0, 15) / 1000;
const summer = Date.UTC(2025, 6, 15) / 1000;

describe('resolveZone', () => {
  it('is UTC for "" and "UTC", with the abbreviation UTC', () => {
    expect(resolveZone('')).toBe(UTC);
    expect(resolveZone('UTC')).toBe(UTC);
    expect(UTC.offsetAt(winter)).toBe(0);
    expect(UTC.abbreviation).toBe('UTC');
  });

  it('gives IANA offsets in seconds east of UTC at the instant, daylight saving included', () => {
    const paris = resolveZone('Europe/Paris')!;
    expect(paris.name).toBe('Europe/Paris');
    expect(paris.offsetAt(winter)).toBe(3600);
    expect(paris.offsetAt(summer)).toBe(7200);
    expect(paris.offsetAt(winter)).toBe(3600);
    expect(resolveZone('America/New_York')!.offsetAt(winter)).toBe(-5 * 3600);
    expect(resolveZone('Asia/Kolkata')!.offsetAt(summer)).toBe(5.5 * 3600);
    expect(resolveZone('Australia/Lord_Howe')!.offsetAt(winter)).toBe(11 * 3600);
    expect(resolveZone('Australia/Lord_Howe')!.offsetAt(summer)).toBe(10.5 * 3600);
  });

  it('has no abbreviation for an IANA zone (Go would print one Mandate cannot know)', () => {
    expect(resolveZone('Europe/Paris')!.abbreviation).toBeUndefined();
  });

  it('gives offsets for instants before the epoch and before year 1', () => {
    expect(resolveZone('America/New_York')!.offsetAt(Date.UTC(1960, 0, 1) / 1000)).toBe(-5 * 3600);
    const ancient = Date.UTC(-100, 0, 1) / 1000;
    expect(resolveZone('Europe/Paris')!.offsetAt(ancient)).toBe(561);
  });

  it('refuses unknown names, numeric offsets, path tricks and wrong capitalization', () => {
    for (const bad of ['Nowhere/City', '+01:00', '-05', 'europe/paris', 'Europe/../Paris', 'utc'])
      expect(resolveZone(bad), bad).toBeUndefined();
  });

  it('names the process zone "Local"', () => {
    const local = resolveZone('Local')!;
    expect(local.name).toBe('Local');
    for (const t of [winter, summer])
      expect(local.offsetAt(t) + new Date(t * 1000).getTimezoneOffset() * 60).toBe(0);
  });
});
