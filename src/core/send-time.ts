import { TZDate } from '@date-fns/tz';
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

/** True when `now` falls inside the window (days, from inclusive, to exclusive, in its zone). */
export function inSendWindow(now: Date, window: SendWindow): boolean {
  const d = new TZDate(now.getTime(), window.timezone);
  const day = WEEKDAYS[d.getDay()];
  if (!day || !window.days.includes(day)) return false;
  const minutes = d.getHours() * 60 + d.getMinutes();
  return minutes >= minutesOf(window.from) && minutes < minutesOf(window.to);
}

/** The next moment the window opens after `now` (at most a week ahead). */
export function nextWindowOpening(now: Date, window: SendWindow): Date {
  const local = new TZDate(now.getTime(), window.timezone);
  const from = minutesOf(window.from);
  for (let offset = 0; offset <= 7; offset++) {
    const candidate = new TZDate(
      local.getFullYear(),
      local.getMonth(),
      local.getDate() + offset,
      Math.floor(from / 60),
      from % 60,
      0,
      0,
      window.timezone,
    );
    const day = WEEKDAYS[candidate.getDay()];
    if (candidate.getTime() > now.getTime() && day && window.days.includes(day)) return new Date(candidate.getTime());
  }
  return new Date(now.getTime() + 86_400_000);
}

/** The warm-up cap for the Nth day (1-based) since the first send; the ramp's last value holds after it. */
export function warmupCap(ramp: readonly number[], dayNumber: number): number {
  if (ramp.length === 0) return Number.POSITIVE_INFINITY;
  const index = Math.min(Math.max(dayNumber, 1), ramp.length) - 1;
  return ramp[index] ?? Number.POSITIVE_INFINITY;
}
