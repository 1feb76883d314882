import type { Redis } from 'ioredis';
import type { UtcDay, UtcMonth } from './days.ts';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';

/**
 * The provider credit counters (src/providers/credits.ts): what each budget used per UTC day
 * (`2026-11-28`) and month (`2026-11`), shared by every worker, and the marker of the one
 * "budget reached" warning per budget and period. Status and `caio report` read the same counters.
 */

/** A day's usage is kept 40 days, past its day: status reads today, the report the last 30 days. */
export const DAY_USAGE_TTL_S = 40 * 86_400;
/** A month's usage is kept 400 days, past its month. */
export const MONTH_USAGE_TTL_S = 400 * 86_400;
/** A "budget reached" warning marker outlives its period: 2 days for a day, 40 for a month. */
export const DAY_WARNED_TTL_S = 2 * 86_400;
export const MONTH_WARNED_TTL_S = 40 * 86_400;

/** A budget's periods: its UTC day and UTC month (credits reset at midnight UTC). */
export type CreditPeriods = { day: UtcDay; month: UtcMonth };

export interface CreditUsage {
  /** Takes `cost` from the budget's day and month at once, unless either would pass its limit (null: none); says which did. */
  reserve(budget: string, periods: CreditPeriods, cost: number, limits: { daily: number | null; monthly: number | null }): Promise<'ok' | 'day' | 'month'>;
  /** Gives `cost` back to the budget's day and month (one MULTI). */
  refund(budget: string, periods: CreditPeriods, cost: number): Promise<void>;
  /** True only for the first caller per budget and period: that one posts the warning. */
  claimWarning(budget: string, period: UtcDay | UtcMonth, kind: 'day' | 'month'): Promise<boolean>;
  /** What each (budget, period) used, in the order given (0 where nothing was counted). */
  used(entries: readonly (readonly [budget: string, period: UtcDay | UtcMonth])[]): Promise<number[]>;
}

export function createCreditUsage(redis: Redis, keys: Pick<Keys, 'creditUsage' | 'creditWarned'>): CreditUsage {
  const scripts = loadScripts(redis);
  return {
    reserve: (budget, p, cost, limits) =>
      scripts.reserveCredits(
        { day: keys.creditUsage(budget, p.day), month: keys.creditUsage(budget, p.month) },
        { cost, dayLimit: limits.daily ?? -1, monthLimit: limits.monthly ?? -1, dayTtlS: DAY_USAGE_TTL_S, monthTtlS: MONTH_USAGE_TTL_S },
      ),
    async refund(budget, p, cost) {
      await redis.multi().decrby(keys.creditUsage(budget, p.day), cost).decrby(keys.creditUsage(budget, p.month), cost).exec();
    },
    async claimWarning(budget, period, kind) {
      return (await redis.set(keys.creditWarned(budget, period), '1', 'EX', kind === 'day' ? DAY_WARNED_TTL_S : MONTH_WARNED_TTL_S, 'NX')) === 'OK';
    },
    async used(entries) {
      const values = await redis.mget(...entries.map(([budget, period]) => keys.creditUsage(budget, period)));
      return entries.map((_, i) => Number(values[i] ?? 0));
    },
  };
}
