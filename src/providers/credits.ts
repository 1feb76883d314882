import type { Redis } from 'ioredis';
import type { ProvidersConfig } from '../core/config.ts';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import { defineScript } from '../core/lua.ts';
import type { Notifier } from '../core/notifier.ts';

export type BudgetName = keyof ProvidersConfig['budgets'];
export const BUDGETS: readonly BudgetName[] = ['apollo_reveals', 'clay_credits', 'bettercontact_lookups'];

// Reserves the cost against both periods only if neither would go over. KEYS: day, month.
// ARGV: cost, day limit (-1 none), month limit (-1 none), day ttl s, month ttl s.
const RESERVE = `
local cost = tonumber(ARGV[1])
local day = tonumber(redis.call('GET', KEYS[1]) or '0')
local month = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) >= 0 and day + cost > tonumber(ARGV[2]) then return 'day' end
if tonumber(ARGV[3]) >= 0 and month + cost > tonumber(ARGV[3]) then return 'month' end
redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('INCRBY', KEYS[2], cost)
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 'ok'`;

/** Budget periods in UTC: `2026-11-28` and `2026-11`. */
export function periods(now = new Date()): { day: string; month: string } {
  const iso = now.toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
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
  const reserveScript = defineScript(deps.redis, RESERVE);
  const { keys } = deps;
  return {
    async reserve(budget, cost) {
      if (cost <= 0) return true;
      const p = periods();
      const limits = deps.config.providers.budgets[budget];
      const result = (await reserveScript(
        [keys.creditUsage(budget, p.day), keys.creditUsage(budget, p.month)],
        [cost, limits.daily ?? -1, limits.monthly ?? -1, 40 * 86_400, 400 * 86_400],
      )) as 'ok' | 'day' | 'month';
      if (result === 'ok') return true;
      const period = result === 'day' ? p.day : p.month;
      // One warning per budget and period, however many workers hit the ceiling.
      const first = await deps.redis.set(keys.creditWarned(budget, period), '1', 'EX', result === 'day' ? 2 * 86_400 : 40 * 86_400, 'NX');
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
      await deps.redis.multi().decrby(keys.creditUsage(budget, p.day), cost).decrby(keys.creditUsage(budget, p.month), cost).exec();
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
  const values = await deps.redis.mget(...BUDGETS.flatMap((b) => [deps.keys.creditUsage(b, p.day), deps.keys.creditUsage(b, p.month)]));
  return BUDGETS.map((budget, i) => ({
    budget,
    day: { period: p.day, used: Number(values[2 * i] ?? 0), limit: deps.config.providers.budgets[budget].daily },
    month: { period: p.month, used: Number(values[2 * i + 1] ?? 0), limit: deps.config.providers.budgets[budget].monthly },
  }));
}

/** One line per budget, e.g. `apollo_reveals: today 12/600, this month 340/10000`. */
export function formatCreditUsage(usage: BudgetUsage[]): string[] {
  const show = (u: { used: number; limit: number | null }) => `${u.used}/${u.limit ?? '∞'}`;
  return usage.map((u) => `${u.budget}: today ${show(u.day)}, this month ${show(u.month)}`);
}
