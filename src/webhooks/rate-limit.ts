import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { WebhookKeys } from '../core/keys.ts';
import { withTimeout } from '../core/timeout.ts';
import { locals } from './request-context.ts';

/** A slow Redis must not hold a webhook: past this the request is let through (the intake 503s anyway). */
const COUNT_TIMEOUT_MS = 500;

/**
 * Per-client-IP limit on the webhook routes, counted in Redis so it holds across web replicas: at
 * most `max` requests per fixed `per_ms` window, then 429 with Retry-After. It runs before the
 * secret check, so guessing the secret is throttled too.
 */
export function createRateLimit(deps: { redis: Redis; keys: WebhookKeys }, limit: { max: number; per_ms: number }) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const now = Date.now();
    const window = Math.floor(now / limit.per_ms);
    const key = deps.keys.rateLimit(req.ip ?? 'unknown', String(window));
    let count: number;
    try {
      const replies = await withTimeout(deps.redis.multi().incr(key).pexpire(key, limit.per_ms).exec(), COUNT_TIMEOUT_MS, 'rate limit timeout');
      count = Number(replies?.[0]?.[1] ?? 0);
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
