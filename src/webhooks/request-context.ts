import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';

/** Per-request state the webhook middleware and handlers share through `res.locals`. */
export interface WebhookLocals {
  reqId: string;
  log: Logger;
  route: string;
}

const INBOUND_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function locals(res: Response): WebhookLocals {
  return res.locals as WebhookLocals;
}

/**
 * Gives the request an id (the caller's X-Request-Id when it is sane) and a child logger carrying
 * it, and counts the request by route and final status.
 */
export function createRequestContext(deps: { logger: Logger; metrics: Metrics }, route: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const inbound = req.get('x-request-id');
    const reqId = inbound && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    const log = deps.logger.child({ reqId, route });
    Object.assign(res.locals, { reqId, log, route } satisfies WebhookLocals);
    res.setHeader('x-request-id', reqId);
    res.on('finish', () => {
      deps.metrics.webhookRequests.inc({ route, status: String(res.statusCode) });
      log.debug({ status: res.statusCode }, 'webhook answered');
    });
    next();
  };
}
