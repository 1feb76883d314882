import { describe, expect, it } from 'vitest';
import { asGateDay, asUtcDay, gateDay, utcDay, utcMonth } from '../../src/core/days.ts';

describe('the two meanings of today', () => {
  it('a gate day follows the policy zone, a UTC day does not', () => {
    // 23:30 UTC on 1 December is already 2 December in Berlin and still 1 December in New York.
    const at = new Date('2026-12-01T23:30:00Z');
    expect(utcDay(at)).toBe('2026-12-01');
    expect(gateDay(at, 'Europe/Berlin')).toBe('2026-12-02');
    expect(gateDay(at, 'America/New_York')).toBe('2026-12-01');
    expect(utcMonth(at)).toBe('2026-12');
  });

  it('reads a UTC day from an ISO time with an offset as the UTC day', () => {
    expect(utcDay('2026-12-02T01:00:00+05:00')).toBe('2026-12-01');
  });

  it('refuses text that is not a day', () => {
    expect(asUtcDay('2026-01-02')).toBe('2026-01-02');
    expect(asGateDay('2026-01-02')).toBe('2026-01-02');
    expect(() => asUtcDay('2026-1-2')).toThrow(/not a day/);
    expect(() => asGateDay('today')).toThrow(/not a day/);
  });
});
