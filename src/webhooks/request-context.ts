import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';

/** Per-request state the webhook middleware and handlers share through `res.locals`. */
export interface WebhookLocals {
  reqId: string;
  /** Built on first use (a pino child per request costs more than the rest of the accept path). */
  log: Logger;
  route: string;
  /** Whether debug lines are logged at all, so a route's debug line needs no child logger when not. */
  debug: boolean;
}

const INBOUND_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function locals(res: Response): WebhookLocals {
  return res.locals as WebhookLocals;
}

/** A debug line with the request's id and route; builds nothing when debug is off. */
export function logDebug(res: Response, details: Record<string, unknown>, message: string): void {
  const l = locals(res);
  if (l.debug) l.log.debug(details, message);
}

/**
 * Gives the request an id (the caller's X-Request-Id when it is sane) and a child logger carrying
 * it, and counts the request by route and final status.
 */
export function createRequestContext(deps: { logger: Logger; metrics: Metrics }, route: string) {
  // One counter child per status, so a request does not hash its label set again.
  const counters = new Map<number, { inc(): void }>();
  const count = (status: number) => {
    let counter = counters.get(status);
    if (!counter) counters.set(status, (counter = deps.metrics.webhookRequests.labels({ route, status: String(status) })));
    counter.inc();
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const inbound = req.get('x-request-id');
    const reqId = inbound && INBOUND_ID.test(inbound) ? inbound : randomUUID();
    // The child logger is built on first use: most requests log one line or none at info level.
    let log: Logger | undefined;
    Object.assign(res.locals, { reqId, route, debug: deps.logger.isLevelEnabled('debug') });
    Object.defineProperty(res.locals, 'log', { get: () => (log ??= deps.logger.child({ reqId, route })), enumerable: true });
    res.setHeader('x-request-id', reqId);
    res.on('finish', () => {
      count(res.statusCode);
      if (deps.logger.isLevelEnabled('debug')) locals(res).log.debug({ status: res.statusCode }, 'webhook answered');
    });
    next();
  };
}
