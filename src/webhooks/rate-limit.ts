import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { WebhookKeys } from '../core/keys.ts';
import { loadScripts } from '../core/lua.ts';
import { tickBatch } from '../core/tick-batch.ts';
import { withTimeout } from '../core/timeout.ts';
import { locals } from './request-context.ts';

/** A slow Redis must not hold a webhook: past this the request is let through (the intake 503s anyway). */
const COUNT_TIMEOUT_MS = 500;

/**
 * Counts requests by key, the requests of one event-loop tick with one script call (one INCRBY per
 * key) instead of a MULTI each; every request gets the count it would have got alone.
 */
function createCounter(redis: Redis, windowMs: number): (key: string) => Promise<number> {
  const scripts = loadScripts(redis);
  return tickBatch(async (requestKeys: string[]) => {
    const added = new Map<string, number>();
    for (const key of requestKeys) added.set(key, (added.get(key) ?? 0) + 1);
    const keys = [...added.keys()];
    const count = scripts.countRequests({}, { windowMs }, { keys, args: keys.map((key) => added.get(key) ?? 0) });
    const totals = await withTimeout(count, COUNT_TIMEOUT_MS, 'rate limit timeout');
    // Within a key, the requests take the counts up to its new total in order.
    const next = new Map(keys.map((key, i) => [key, (totals[i] ?? 0) - (added.get(key) ?? 0)]));
    return requestKeys.map((key) => {
      const count = (next.get(key) ?? 0) + 1;
      next.set(key, count);
      return count;
    });
  });
}

/**
 * Per-client-IP limit on the webhook routes, counted in Redis so it holds across web replicas: at
 * most `max` requests per fixed `per_ms` window, then 429 with Retry-After. It runs before the
 * secret check, so guessing the secret is throttled too.
 */
export function createRateLimit(deps: { redis: Redis; keys: WebhookKeys }, limit: { max: number; per_ms: number }) {
  const countRequest = createCounter(deps.redis, limit.per_ms);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const now = Date.now();
    const window = Math.floor(now / limit.per_ms);
    const key = deps.keys.rateLimit(req.ip ?? 'unknown', String(window));
    let count: number;
    try {
      count = await countRequest(key);
    } catch (err) {
      locals(res).log.warn({ err }, 'webhook rate limit not counted');
      return next();
    }
    if (count <= limit.max) return next();
    const retryAfterS = Math.ceil(((window + 1) * limit.per_ms - now) / 1000);
    if (count === limit.max + 1) locals(res).log.warn({ ip: req.ip, max: limit.max, per_ms: limit.per_ms }, 'webhook rate limit reached for a client');
    res.status(429).set('Retry-After', String(retryAfterS)).json({ error: `rate limit: at most ${limit.max} webhook requests per ${limit.per_ms / 1000} s from one address; retry after ${retryAfterS} s` });
  };
}
