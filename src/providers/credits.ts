import type { Redis } from 'ioredis';
import { utcDay, utcMonth } from '../core/days.ts';
import type { ProvidersConfig } from '../core/config.ts';
import { createCreditUsage, type CreditPeriods } from '../core/credit-usage.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import type { Notifier } from '../core/notifier.ts';

export type BudgetName = keyof ProvidersConfig['budgets'];
export const BUDGETS: readonly BudgetName[] = ['apollo_reveals', 'clay_credits', 'bettercontact_lookups'];

/** Budget periods in UTC: `2026-11-28` and `2026-11`. */
export function periods(now = new Date()): CreditPeriods {
  return { day: utcDay(now), month: utcMonth(now) };
}

export interface CreditDeps {
  redis: Redis;
  keys: Keys;
  config: { providers: ProvidersConfig };
}

export interface Credits {
  /** Takes `cost` from the budget; false (and one WARNING per period) when it would go over. */
  reserve(budget: BudgetName, cost: number): Promise<boolean>;
  /** Gives back a reservation that was not spent (e.g. Apollo found nothing, which is free). */
  refund(budget: BudgetName, cost: number): Promise<void>;
}

/** Credit budgets per day and per month in Redis, shared by every worker. */
export function createCredits(deps: CreditDeps & { notifier: Notifier; logger: Logger }): Credits {
  const usage = createCreditUsage(deps.redis, deps.keys);
  return {
    async reserve(budget, cost) {
      if (cost <= 0) return true;
      const p = periods();
      const limits = deps.config.providers.budgets[budget];
      const result = await usage.reserve(budget, p, cost, limits);
      if (result === 'ok') return true;
      const period = result === 'day' ? p.day : p.month;
      // One warning per budget and period, however many workers hit the ceiling.
      const first = await usage.claimWarning(budget, period, result);
      if (first) {
        const limit = result === 'day' ? limits.daily : limits.monthly;
        await deps.notifier
          .alert('WARNING', `${budget} ${result === 'day' ? 'daily' : 'monthly'} budget reached (${limit}): that enrichment tier is skipped until ${result === 'day' ? 'tomorrow (UTC)' : 'next month'}`, { budget, period, limit })
          .catch((err: unknown) => deps.logger.error({ err }, 'budget alert failed'));
      }
      return false;
    },
    async refund(budget, cost) {
      if (cost <= 0) return;
      const p = periods();
      await usage.refund(budget, p, cost);
    },
  };
}

export interface BudgetUsage {
  budget: BudgetName;
  day: { period: string; used: number; limit: number | null };
  month: { period: string; used: number; limit: number | null };
}

/** Credit usage for `caio status` and `/caio status`. */
export async function getCreditUsage(deps: CreditDeps, now = new Date()): Promise<BudgetUsage[]> {
  const p = periods(now);
  const values = await createCreditUsage(deps.redis, deps.keys).used(BUDGETS.flatMap((b) => [[b, p.day], [b, p.month]] as const));
  return BUDGETS.map((budget, i) => ({
    budget,
    day: { period: p.day, used: values[2 * i] ?? 0, limit: deps.config.providers.budgets[budget].daily },
    month: { period: p.month, used: values[2 * i + 1] ?? 0, limit: deps.config.providers.budgets[budget].monthly },
  }));
}

/** One line per budget, e.g. `apollo_reveals: today 12/600, this month 340/10000`. */
export function formatCreditUsage(usage: BudgetUsage[]): string[] {
  const show = (u: { used: number; limit: number | null }) => `${u.used}/${u.limit ?? '∞'}`;
  return usage.map((u) => `${u.budget}: today ${show(u.day)}, this month ${show(u.month)}`);
}
