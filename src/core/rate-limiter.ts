import type { Redis } from 'ioredis';
import { RateLimitedError } from './http-client.ts';
import type { Keys } from './keys.ts';
import { defineScript } from './lua.ts';

/**
 * GCRA (a token bucket kept as one timestamp): at most `max` calls in any `per_ms`, bursts up to
 * `max`. A caller reserves the next free slot atomically and is told how long to wait for it, so
 * concurrent workers queue fairly instead of hammering the provider and collecting 429s.
 * KEYS: bucket. ARGV: interval ms, burst tolerance ms, max wait ms. Returns wait ms, or -wait when
 * the wait is too long (nothing reserved).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tau - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return -math.ceil(wait) end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now) + 1000)
return math.ceil(wait)`;

export interface RateLimit {
  max: number;
  per_ms: number;
}

export interface RateLimiter {
  /** Waits for a slot; throws RateLimitedError (park the job) when the slot is more than maxWaitMs away. */
  acquire(): Promise<void>;
}

/** A cluster-wide limit for one provider, shared through Redis by every worker. */
export function createRateLimiter(deps: { redis: Redis; keys: Keys }, provider: string, limit: RateLimit, maxWaitMs: number): RateLimiter {
  const reserve = defineScript(deps.redis, RESERVE);
  const interval = limit.per_ms / limit.max;
  const tau = limit.per_ms - interval;
  const key = deps.keys.rateLimit(provider);
  return {
    async acquire() {
      const wait = Number(await reserve([key], [interval.toFixed(3), tau.toFixed(3), maxWaitMs]));
      if (wait < 0) throw new RateLimitedError(provider, 'rate-limit', Date.now() - wait);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}
