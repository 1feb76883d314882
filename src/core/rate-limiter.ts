import type { Redis } from 'ioredis';
import { RateLimitedError } from './http-client.ts';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';

export interface RateLimit {
  max: number;
  per_ms: number;
}

export interface RateLimiter {
  /**
   * Waits for a slot; throws RateLimitedError (park the job) when the slot is more than maxWaitMs
   * away. `sleep` replaces the plain wait, e.g. with one the emergency stop can cut short (the slot
   * then goes unused, which only costs the window one call).
   */
  acquire(sleep?: (ms: number) => Promise<void>): Promise<void>;
}

/** How long a provider's grant list outlives the window of its last slot (then it is gone). */
const GRANTS_GRACE_MS = 1_000;

/**
 * A cluster-wide limit for one provider, shared through Redis by every worker: at most `max` calls
 * in ANY `per_ms` (providers enforce fixed or sliding windows; this keeps under both). The slot is
 * reserved atomically (lua/reserve-rate-slot.lua) and the caller told how long to wait for it, so
 * concurrent workers queue fairly instead of hammering the provider and collecting 429s.
 */
export function createRateLimiter(deps: { redis: Redis; keys: Keys }, provider: string, limit: RateLimit, maxWaitMs: number): RateLimiter {
  const scripts = loadScripts(deps.redis);
  const key = deps.keys.rateLimit(provider);
  return {
    async acquire(sleep) {
      const wait = Number(await scripts.reserveRateSlot({ grants: key }, { max: limit.max, perMs: limit.per_ms, maxWaitMs, graceMs: GRANTS_GRACE_MS }));
      if (wait < 0) throw new RateLimitedError(provider, 'rate-limit', Date.now() - wait);
      if (wait > 0) await (sleep ? sleep(wait) : new Promise((resolve) => setTimeout(resolve, wait)));
    },
  };
}
