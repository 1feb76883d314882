import { describe, it, expect } from 'vitest';
import { CADENCE_LENGTH_DAYS, buildCadence } from '../../src/core/cadence.ts';
import type { CadenceChannel } from '../../src/core/types.ts';

describe('buildCadence', () => {
  it.each<[CadenceChannel, number[]]>([
    ['email', [1, 5, 10, 17, 21]],
    ['linkedin', [2, 7, 14]],
    ['call', [3]],
  ])('schedules %s on days %j, numbered 1..n in order', (channel, days) => {
    const steps = buildCadence().filter((s) => s.channel === channel);
    expect(steps.map((s) => s.day)).toEqual(days);
    expect(steps.map((s) => s.step)).toEqual(days.map((_, i) => i + 1));
  });

  it.each<[number, RegExp]>([
    [1, /connection request/i],
    [2, /message/i],
    [3, /follow-up/i],
  ])('linkedin step %d is a %s', (step, action) => {
    const found = buildCadence().find((s) => s.channel === 'linkedin' && s.step === step);
    expect(found?.action).toMatch(action);
  });

  it('is sorted by day and fits in the 21-day window', () => {
    const days = buildCadence().map((s) => s.day);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(CADENCE_LENGTH_DAYS).toBe(21);
    expect(Math.min(...days)).toBe(1);
    expect(Math.max(...days)).toBe(CADENCE_LENGTH_DAYS);
  });

  it('has nine steps, each with an action', () => {
    const steps = buildCadence();
    expect(steps).toHaveLength(9);
    for (const s of steps) expect(s.action.trim()).not.toBe('');
  });

  it('returns a fresh plan each call so a caller cannot corrupt the next one', () => {
    const first = buildCadence();
    const first0 = first[0];
    if (first0) first0.day = 99;
    first.pop();
    expect(buildCadence()).toHaveLength(9);
    expect(buildCadence()[0]?.day).toBe(1);
  });
});
