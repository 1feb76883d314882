import { localDay } from './send-time.ts';

/**
 * "Today" has two meanings in CAIO, one per kind of counter, and the type of a day says which, so a
 * daily key can only be built with the meaning its counter has (the key functions in keys.ts take
 * these types, and their names say the zone):
 * - GateDay: the calendar day in the safety policy's time zone (its send window's zone, else UTC).
 *   The daily send cap and the provider-side sends count in it: "today's sends" is the day on the
 *   clock of the people the campaign is run for, and the cap resets at their midnight.
 * - UtcDay / UtcMonth: UTC. Provider credits (the budgets reset at midnight UTC), the AI crafter's
 *   budget, the webhook KPIs and the autonomy counters (comparable whatever zone a team sets).
 */
export type GateDay = string & { readonly dayMeaning: 'gate' };
export type UtcDay = string & { readonly dayMeaning: 'utc' };
export type UtcMonth = string & { readonly dayMeaning: 'utc-month' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar day of `at` in the safety policy's counter zone, YYYY-MM-DD. */
export function gateDay(at: Date, timeZone: string): GateDay {
  return localDay(at, timeZone) as GateDay;
}

/** The UTC day of a time, YYYY-MM-DD. */
export function utcDay(at: Date | string | number = new Date()): UtcDay {
  return new Date(at).toISOString().slice(0, 10) as UtcDay;
}

/** The UTC month of a time, YYYY-MM. */
export function utcMonth(at: Date | string | number = new Date()): UtcMonth {
  return new Date(at).toISOString().slice(0, 7) as UtcMonth;
}

/** A UTC day given as text (a report's or a test's), checked to be YYYY-MM-DD. */
export function asUtcDay(day: string): UtcDay {
  if (!DAY.test(day)) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return day as UtcDay;
}

/** A gate day given as text, checked to be YYYY-MM-DD. */
export function asGateDay(day: string): GateDay {
  if (!DAY.test(day)) throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return day as GateDay;
}
