import { TZDate, tzOffset } from '@date-fns/tz';
import type { SendWindow } from './config.ts';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** The calendar day in a time zone, as YYYY-MM-DD: the key of the daily send counter. */
export function localDay(now: Date, timeZone: string): string {
  const d = new TZDate(now.getTime(), timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / 86_400_000;
}

/** Whole calendar days from one YYYY-MM-DD to another. */
export function daysBetween(fromDay: string, toDay: string): number {
  return Math.round(dayNumber(toDay) - dayNumber(fromDay));
}

/** The next local midnight in a time zone: when a capped send may try again. */
export function nextLocalMidnight(now: Date, timeZone: string): Date {
  const d = new TZDate(now.getTime(), timeZone);
  return new Date(new TZDate(d.getFullYear(), d.getMonth(), d.getDate() + 1, 0, 0, 0, 0, timeZone).getTime());
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The zone's UTC offset at an instant, in ms (east positive). */
function offsetMs(instant: number, timeZone: string): number {
  return Math.round(tzOffset(timeZone, new Date(instant)) * MINUTE_MS);
}

/** The local wall-clock reading of an instant, as ms since 1970-01-01T00:00 local ("naive" time). */
function wallClock(instant: number, timeZone: string): number {
  return instant + offsetMs(instant, timeZone);
}

/**
 * The first instant whose local reading is >= `wall` (a naive local time in ms). Usually the
 * instant the clock reads exactly `wall`; on a fall-back day (the hour read twice) the first of the
 * two; on a spring-forward day when `wall` is skipped, the moment of the jump (02:30 → 03:00).
 */
function firstInstantAt(wall: number, timeZone: string): number {
  // At most one offset change within a day of `wall`, so the answer is one of these two readings.
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const exact = [wall - before, wall - after].filter((u) => wallClock(u, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // `wall` is skipped: the jump lies between the two readings; find its first millisecond.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local calendar day number (days since 1970-01-01) of a naive local time, and its weekday. */
const dayOf = (wall: number): number => Math.floor(wall / DAY_MS);
const weekdayOf = (day: number): (typeof WEEKDAYS)[number] => WEEKDAYS[(((day + 4) % 7) + 7) % 7] ?? 'sun';

interface Opening {
  open: number;
  close: number;
}

/**
 * The window as it opens on one local calendar day, or null when that day is not in `days`.
 * The day that counts is the day the window OPENS: with `to` <= `from` it closes on the next day
 * (fri 22:00-06:00 runs Friday 22:00 to Saturday 06:00). Both ends are wall-clock times, read by
 * firstInstantAt, so each listed day gives exactly one interval even across a DST change: it may
 * be an hour longer or shorter, and is empty only if it lies wholly inside a skipped hour.
 * (`from` == `to` is refused by the config; here it would read as a full 24 hours.)
 */
function openingOn(day: number, window: SendWindow): Opening | null {
  if (!window.days.includes(weekdayOf(day))) return null;
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const closeDay = to > from ? day : day + 1;
  const open = firstInstantAt(day * DAY_MS + from * MINUTE_MS, window.timezone);
  const close = firstInstantAt(closeDay * DAY_MS + to * MINUTE_MS, window.timezone);
  return open < close ? { open, close } : null;
}

/** The window's intervals opening on local days first..last, in time order. */
function openings(first: number, last: number, window: SendWindow): Opening[] {
  const list: Opening[] = [];
  for (let day = first; day <= last; day++) {
    const opening = openingOn(day, window);
    if (opening) list.push(opening);
  }
  return list;
}

/**
 * True when `now` falls inside the window: from the first moment the local clock reaches `from`
 * on a listed day (inclusive) to the first moment it reaches `to` (exclusive), on the next day
 * when the window crosses midnight.
 */
export function inSendWindow(now: Date, window: SendWindow): boolean {
  const t = now.getTime();
  const today = dayOf(wallClock(t, window.timezone));
  // An interval contains only instants of its own day or the next; one day more either side
  // covers clocks that step back across midnight.
  return openings(today - 2, today + 1, window).some((o) => o.open <= t && t < o.close);
}

/**
 * The next moment after `now` at which the window opens (inSendWindow turns true), searching
 * 10 local days ahead, enough for a weekly window. Intervals that touch (only possible around a
 * DST jump) count as one, so the result is never a moment at which the window was already open.
 */
export function nextWindowOpening(now: Date, window: SendWindow): Date {
  const t = now.getTime();
  const today = dayOf(wallClock(t, window.timezone));
  let previousClose = Number.NEGATIVE_INFINITY;
  for (const { open, close } of openings(today - 2, today + 10, window)) {
    if (open > t && open > previousClose) return new Date(open);
    previousClose = Math.max(previousClose, close);
  }
  // Unreachable for a valid window (at least one day, from != to): only a window that never
  // closes has no next opening. Try again in a day rather than never.
  return new Date(t + DAY_MS);
}

/** The warm-up cap for the Nth day (1-based) since the first send; the ramp's last value holds after it. */
export function warmupCap(ramp: readonly number[], dayNumber: number): number {
  if (ramp.length === 0) return Number.POSITIVE_INFINITY;
  const index = Math.min(Math.max(dayNumber, 1), ramp.length) - 1;
  return ramp[index] ?? Number.POSITIVE_INFINITY;
}
