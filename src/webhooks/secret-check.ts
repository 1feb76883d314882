import { hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { locals } from './request-context.ts';

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** Constant-time comparison: both sides are hashed to equal-length digests first. */
export function secretMatches(provided: string, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(provided), typeof expected === 'string' ? digest(expected) : expected);
}

/**
 * WEBHOOK_SECRET from the X-Webhook-Secret header or `?token=` (RB2B cannot send headers).
 * Runs before the body is read, so an unauthenticated caller costs us no parsing and stores nothing.
 * Without a configured secret every webhook is refused (deny by default).
 */
export function createSecretCheck(secret: string | undefined) {
  const expected = secret && secret !== '' ? digest(secret) : null;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) {
      res.status(503).json({ error: 'webhooks are disabled: WEBHOOK_SECRET is not configured' });
      return;
    }
    // The query string is parsed only when there is no header (Express parses it on each read of req.query).
    const header = req.get('x-webhook-secret');
    const query = header === undefined ? req.query.token : undefined;
    const provided = header ?? (typeof query === 'string' ? query : undefined);
    if (provided === undefined || provided === '' || !secretMatches(provided, expected)) {
      locals(res).log.warn({ hasSecret: provided !== undefined }, 'webhook refused: missing or wrong secret');
      res.status(401).json({ error: 'missing or invalid webhook secret' });
      return;
    }
    next();
  };
}
