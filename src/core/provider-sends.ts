import type { Redis } from 'ioredis';
import type { GateDay } from './days.ts';
import type { Keys } from './keys.ts';

/**
 * The provider-side sends of one day (DESIGN §9): the ids of our Instantly campaign's
 * `email_sent` events, a set so a redelivered event counts once, and the marker that the day's
 * total passed the cap (one pause and one alert a day).
 */

/** How long a day's provider-side sends (and its cap marker) are kept: the day and the next, for status across midnight. */
export const PROVIDER_SENDS_TTL_S = 3 * 24 * 3600;

export interface ProviderSends {
  /** Counts the event toward the day (once per id) and returns the day's total. */
  count(day: GateDay, eventId: string): Promise<number>;
  /** True only for the first caller of the day: that one pauses the campaign and alerts. */
  claimCapPause(day: GateDay): Promise<boolean>;
  /** The day's total so far. */
  total(day: GateDay): Promise<number>;
}

export function createProviderSends(redis: Redis, keys: Pick<Keys, 'campaign'>): ProviderSends {
  return {
    async count(day, eventId) {
      const key = keys.campaign.providerSends(day);
      const result = await redis.multi().sadd(key, eventId).scard(key).expire(key, PROVIDER_SENDS_TTL_S).exec();
      return Number(result?.[1]?.[1] ?? 0);
    },
    async claimCapPause(day) {
      return (await redis.set(keys.campaign.capPaused(day), '1', 'EX', PROVIDER_SENDS_TTL_S, 'NX')) === 'OK';
    },
    total: (day) => redis.scard(keys.campaign.providerSends(day)),
  };
}
