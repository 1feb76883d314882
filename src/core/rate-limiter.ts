import type { Redis } from 'ioredis';
import { RateLimitedError } from './http-client.ts';
import type { Keys } from './keys.ts';
import { defineScript } from './lua.ts';

/**
 * A sliding window kept as the times of the last `max` grants (a Redis list, oldest first): a new
 * call is granted at the first moment it would be the only one in its window beyond those `max`,
 * i.e. at most `max` calls in ANY `per_ms` (providers enforce fixed or sliding windows; this keeps
 * under both). The slot is reserved atomically and the caller told how long to wait for it, so
 * concurrent workers queue fairly instead of hammering the provider and collecting 429s.
 * KEYS: list. ARGV: max, per ms, max wait ms. Returns wait ms, or -wait when the wait is too long
 * (nothing reserved).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local at = now
local n = redis.call('LLEN', KEYS[1])
if n > 0 then
  local last = tonumber(redis.call('LINDEX', KEYS[1], -1))
  if last > at then at = last end
end
if n >= max then
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], -max))
  if oldest + per > at then at = oldest + per end
end
local wait = at - now
if wait > tonumber(ARGV[3]) then return -wait end
redis.call('RPUSH', KEYS[1], at)
redis.call('LTRIM', KEYS[1], -max, -1)
redis.call('PEXPIRE', KEYS[1], wait + per + 1000)
return wait`;

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

/** A cluster-wide limit for one provider, shared through Redis by every worker. */
export function createRateLimiter(deps: { redis: Redis; keys: Keys }, provider: string, limit: RateLimit, maxWaitMs: number): RateLimiter {
  const reserve = defineScript(deps.redis, RESERVE);
  const key = deps.keys.rateLimit(provider);
  return {
    async acquire(sleep) {
      const wait = Number(await reserve([key], [limit.max, limit.per_ms, maxWaitMs]));
      if (wait < 0) throw new RateLimitedError(provider, 'rate-limit', Date.now() - wait);
      if (wait > 0) await (sleep ? sleep(wait) : new Promise((resolve) => setTimeout(resolve, wait)));
    },
  };
}
