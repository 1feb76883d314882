import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SendWindow } from '../../src/core/config.ts';
import { inSendWindow, nextWindowOpening } from '../../src/core/send-time.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Weekday = (typeof WEEKDAYS)[number];

const at = (iso: string) => new Date(iso);
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const win = (days: Weekday[], from: string, to: string, timezone = 'Europe/Berlin'): SendWindow => ({ days, from, to, timezone });

// Zones with whole-minute offsets and changes on whole minutes, so a minute-by-minute scan sees
// every opening; half- and quarter-hour offsets and a half-hour DST (Lord Howe) included.
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago'];

const daysArb = fc.subarray([...WEEKDAYS], { minLength: 1 });
/** Distinct from/to (the config refuses equal ones), biased towards the small hours where DST changes happen. */
const timesArb = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 90, max: 210 })), fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 90, max: 210 })))
  .filter(([from, to]) => from !== to);
const windowArb = (zones: string[], days = daysArb, times = timesArb) =>
  fc.record({ days, times, timezone: fc.constantFrom(...zones) }).map(({ days, times, timezone }) => win(days, hhmm(times[0]), hhmm(times[1]), timezone));
/** Instants in 2000..2037, whole or not. */
const instantArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2037, 11, 1) });

/** The window's state at every minute of a range: the brute-force reference. */
function scan(start: number, minutes: number, window: SendWindow): boolean[] {
  return Array.from({ length: minutes }, (_, i) => inSendWindow(new Date(start + i * MIN), window));
}

/** Minutes of the scan at which the window turns from closed to open. */
function openingsIn(states: boolean[], start: number): number[] {
  const found: number[] = [];
  for (let i = 1; i < states.length; i++) if (states[i] && !states[i - 1]) found.push(start + i * MIN);
  return found;
}

/** The invariants every answer must satisfy: later than `t`, open at it, closed just before it. */
function expectIsOpening(t: number, window: SendWindow): number {
  const next = nextWindowOpening(new Date(t), window).getTime();
  expect(next).toBeGreaterThan(t);
  expect(inSendWindow(new Date(next), window)).toBe(true);
  expect(inSendWindow(new Date(next - 1), window)).toBe(false);
  return next;
}

/**
 * Scans `minutes` minutes from `start` and checks nextWindowOpening at probes against the scan:
 * the first opening after the probe, or (when the scan sees none) one beyond the scanned range.
 */
function checkAgainstScan(from: number, minutes: number, window: SendWindow, probes: number[]): void {
  // Openings fall on whole minutes in these zones, so the scan steps on them; probes need not.
  const start = Math.ceil(from / MIN) * MIN;
  const opens = openingsIn(scan(start, minutes, window), start);
  for (const fraction of probes) {
    const t = from + Math.floor(fraction * (start - from + (minutes - 1) * MIN));
    const next = expectIsOpening(t, window);
    const expected = opens.find((o) => o > t);
    if (expected !== undefined) expect(new Date(next)).toEqual(new Date(expected));
    else expect(next).toBeGreaterThan(start + (minutes - 1) * MIN);
  }
}

/** The plain wall-clock rule, right wherever the zone's offset does not change nearby. */
function wallClockRule(t: number, window: SendWindow): boolean {
  const local = new TZDate(t, window.timezone);
  const minutes = local.getHours() * 60 + local.getMinutes();
  const [fh, fm] = window.from.split(':').map(Number);
  const [th, tm] = window.to.split(':').map(Number);
  const from = (fh ?? 0) * 60 + (fm ?? 0);
  const to = (th ?? 0) * 60 + (tm ?? 0);
  const today = WEEKDAYS[local.getDay()] ?? 'sun';
  const yesterday = WEEKDAYS[(local.getDay() + 6) % 7] ?? 'sun';
  if (from < to) return window.days.includes(today) && minutes >= from && minutes < to;
  // Overnight: the evening part belongs to today, the early-morning part to yesterday's window.
  return (window.days.includes(today) && minutes >= from) || (window.days.includes(yesterday) && minutes < to);
}

/** The local time of Berlin's DST changes: last Sunday of March and of October, at 01:00 UTC. */
function berlinChange(year: number, month: 2 | 9): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

describe('overnight send windows', () => {
  const overnight = win(['fri'], '22:00', '06:00');

  it('fri 22:00-06:00 covers Friday 22:00 to Saturday 06:00 local, not Saturday night', () => {
    // 2026-06-05 is a Friday; Berlin is UTC+2 in June.
    expect(inSendWindow(at('2026-06-05T19:59:00Z'), overnight)).toBe(false);
    expect(inSendWindow(at('2026-06-05T20:00:00Z'), overnight)).toBe(true);
    expect(inSendWindow(at('2026-06-05T23:59:59Z'), overnight)).toBe(true);
    expect(inSendWindow(at('2026-06-06T03:59:59Z'), overnight)).toBe(true);
    expect(inSendWindow(at('2026-06-06T04:00:00Z'), overnight)).toBe(false);
    expect(inSendWindow(at('2026-06-06T21:00:00Z'), overnight)).toBe(false);
    // Thursday night's early hours (Friday 01:00) belong to Thursday's window, which is not listed.
    expect(inSendWindow(at('2026-06-04T23:00:00Z'), overnight)).toBe(false);
  });

  it('opens on Friday 22:00 local, and a week later once it has closed', () => {
    expect(nextWindowOpening(at('2026-06-05T12:00:00Z'), overnight)).toEqual(at('2026-06-05T20:00:00Z'));
    expect(nextWindowOpening(at('2026-06-05T20:00:00Z'), overnight)).toEqual(at('2026-06-12T20:00:00Z'));
    expect(nextWindowOpening(at('2026-06-06T05:00:00Z'), overnight)).toEqual(at('2026-06-12T20:00:00Z'));
  });

  it('matches the wall-clock rule away from DST changes', () => {
    const overnightTimes = timesArb.filter(([from, to]) => from > to);
    fc.assert(
      fc.property(windowArb(ZONES, daysArb, overnightTimes), instantArb, (window, t) => {
        const offset = (u: number) => new TZDate(u, window.timezone).getTimezoneOffset();
        fc.pre(offset(t - 2 * DAY) === offset(t + 2 * DAY));
        expect(inSendWindow(new Date(t), window)).toBe(wallClockRule(t, window));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with nextWindowOpening, checked minute by minute', () => {
    const overnightTimes = timesArb.filter(([from, to]) => from > to);
    fc.assert(
      fc.property(windowArb(ZONES, daysArb, overnightTimes), instantArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 6 }), (window, start, probes) => {
        checkAgainstScan(start, 2 * 24 * 60, window, probes);
      }),
      { numRuns: 15 },
    );
  });
});

describe('same-day send windows', () => {
  it('match the wall-clock rule away from DST changes, any zone and days', () => {
    fc.assert(
      fc.property(windowArb(ZONES), instantArb, (window, t) => {
        const offset = (u: number) => new TZDate(u, window.timezone).getTimezoneOffset();
        fc.pre(offset(t - 2 * DAY) === offset(t + 2 * DAY));
        expect(inSendWindow(new Date(t), window)).toBe(wallClockRule(t, window));
      }),
      { numRuns: 500 },
    );
  });

  it('agree with nextWindowOpening for any window, checked minute by minute over 36 hours', () => {
    fc.assert(
      fc.property(windowArb(ZONES), instantArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 6 }), (window, start, probes) => {
        checkAgainstScan(start, 36 * 60, window, probes);
      }),
      { numRuns: 15 },
    );
  });
});

describe('weekends-only windows', () => {
  it('open next on a Saturday or Sunday, up to six days ahead, with no opening before it', () => {
    const weekend = fc.subarray<Weekday>(['sat', 'sun'], { minLength: 1 });
    fc.assert(
      fc.property(windowArb(['Europe/Berlin', 'America/New_York', 'UTC'], weekend), instantArb, (window, t) => {
        const next = expectIsOpening(t, window);
        expect(window.days).toContain(WEEKDAYS[new TZDate(next, window.timezone).getDay()]);
        expect(next - t).toBeLessThanOrEqual(7 * DAY + HOUR);
        // No opening in between: the state never turns from closed to open before `next`.
        const states = scan(Math.ceil(t / MIN) * MIN, Math.ceil((next - t) / MIN) - 1, window);
        expect(openingsIn([inSendWindow(new Date(t), window), ...states], t)).toEqual([]);
      }),
      { numRuns: 10 },
    );
  });

  it('from Monday morning, the Saturday window is five days ahead', () => {
    // 2026-06-01 is a Monday.
    expect(nextWindowOpening(at('2026-06-01T08:00:00Z'), win(['sat', 'sun'], '10:00', '12:00'))).toEqual(at('2026-06-06T08:00:00Z'));
    expect(nextWindowOpening(at('2026-06-01T08:00:00Z'), win(['sun'], '23:00', '01:00'))).toEqual(at('2026-06-07T21:00:00Z'));
  });
});

describe('DST in Europe/Berlin', () => {
  // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z.
  it('a window from a skipped time opens when the clock jumps past it (02:30 → 03:00)', () => {
    const w = win(['sun'], '02:30', '04:00');
    expect(nextWindowOpening(at('2026-03-28T12:00:00Z'), w)).toEqual(at('2026-03-29T01:00:00Z'));
    expect(inSendWindow(at('2026-03-29T00:59:59Z'), w)).toBe(false);
    expect(inSendWindow(at('2026-03-29T01:00:00Z'), w)).toBe(true);
    expect(inSendWindow(at('2026-03-29T01:59:59Z'), w)).toBe(true);
    expect(inSendWindow(at('2026-03-29T02:00:00Z'), w)).toBe(false);
  });

  it('a window wholly inside the skipped hour does not open that day', () => {
    const w = win(['sun'], '02:10', '02:50');
    expect(nextWindowOpening(at('2026-03-28T12:00:00Z'), w)).toEqual(at('2026-04-05T00:10:00Z'));
  });

  it('an overnight window across spring-forward is an hour shorter and still closes at 06:00 local', () => {
    const w = win(['sat'], '22:00', '06:00');
    expect(nextWindowOpening(at('2026-03-28T12:00:00Z'), w)).toEqual(at('2026-03-28T21:00:00Z'));
    expect(inSendWindow(at('2026-03-29T03:59:59Z'), w)).toBe(true);
    expect(inSendWindow(at('2026-03-29T04:00:00Z'), w)).toBe(false);
  });

  it('on fall-back day a window in the repeated hour opens once, at its first reading', () => {
    const w = win(['sun'], '02:30', '02:45');
    expect(nextWindowOpening(at('2026-10-24T12:00:00Z'), w)).toEqual(at('2026-10-25T00:30:00Z'));
    expect(inSendWindow(at('2026-10-25T00:40:00Z'), w)).toBe(true);
    // 01:40Z reads 02:40 again (CET), but that day's window has already run.
    expect(inSendWindow(at('2026-10-25T01:40:00Z'), w)).toBe(false);
    expect(nextWindowOpening(at('2026-10-25T00:45:00Z'), w)).toEqual(at('2026-11-01T01:30:00Z'));
  });

  it('an overnight window across fall-back is an hour longer and closes at 06:00 CET', () => {
    const w = win(['sat'], '22:00', '02:30');
    expect(inSendWindow(at('2026-10-24T20:00:00Z'), w)).toBe(true);
    expect(inSendWindow(at('2026-10-25T00:29:59Z'), w)).toBe(true);
    // Closed from the first 02:30 on; the repeated 02:00-02:30 CET does not reopen it.
    expect(inSendWindow(at('2026-10-25T00:30:00Z'), w)).toBe(false);
    expect(inSendWindow(at('2026-10-25T01:15:00Z'), w)).toBe(false);
    const long = win(['sat'], '22:00', '06:00');
    expect(inSendWindow(at('2026-10-25T04:59:59Z'), long)).toBe(true);
    expect(inSendWindow(at('2026-10-25T05:00:00Z'), long)).toBe(false);
  });

  it.each([
    ['spring-forward', 2],
    ['fall-back', 9],
  ] as const)('agrees with nextWindowOpening around %s, checked minute by minute', (_name, month) => {
    const years = fc.integer({ min: 2000, max: 2037 });
    fc.assert(
      fc.property(windowArb(['Europe/Berlin']), years, fc.integer({ min: 0, max: 12 * 60 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 6 }), (window, year, lead, probes) => {
        // 36 hours that start 18-30 hours before the change.
        checkAgainstScan(berlinChange(year, month) - 30 * HOUR + lead * MIN, 36 * 60, window, probes);
      }),
      { numRuns: 15 },
    );
  });
});
