import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from '../context.ts';
import { createAcceptor, QueueUnavailableError } from './accept.ts';
import { createClayHandler } from './clay.ts';
import { createInstantlyHandler } from './instantly.ts';
import { createHeyReachHandler } from './heyreach.ts';
import { bodyErrorHandler, createJsonBody } from './json-body.ts';
import { createRateLimit } from './rate-limit.ts';
import { createRb2bHandler } from './rb2b.ts';
import { createRequestContext, locals } from './request-context.ts';
import type { RouteDeps } from './route-deps.ts';
import { createVisitorStore } from './visitor-store.ts';
import { createSecretCheck } from './secret-check.ts';

type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** Express 5 forwards rejections, but naming the 503 here keeps the policy in one place. */
function handle(fn: AsyncHandler): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const log = locals(res).log;
  if (err instanceof QueueUnavailableError) {
    log?.error({ err }, 'webhook not accepted: queue unavailable');
    res.status(503).json({ error: 'temporarily unavailable, retry later' });
    return;
  }
  log?.error({ err }, 'webhook failed');
  res.status(500).json({ error: 'internal error' });
}

/** The webhook routes of DESIGN §4 (Clay, RB2B, Instantly). */
export function createWebhookRouter(ctx: AppContext): Router {
  const router = Router();
  const webhookKeys = ctx.keys.webhooks;
  const deps: RouteDeps = {
    redis: ctx.redis,
    keys: ctx.keys,
    webhookKeys,
    accept: createAcceptor({ redis: ctx.webhookQueue.redis, keys: webhookKeys, queue: ctx.webhookQueue, ttlSeconds: ctx.config.webhooks.dedupe_ttl_s }),
    store: ctx.store,
    visitors: createVisitorStore(ctx.webhookQueue.redis, webhookKeys),
  };
  if (!ctx.config.env.WEBHOOK_SECRET) ctx.logger.warn('WEBHOOK_SECRET is not set: every webhook is refused until it is');
  const secret = createSecretCheck(ctx.config.env.WEBHOOK_SECRET);
  const body = createJsonBody(ctx.config.webhooks.max_body_bytes);
  const rateLimit = createRateLimit({ redis: ctx.webhookQueue.redis, keys: ctx.keys.webhooks }, ctx.config.webhooks.rate_limit);
  // Order matters: the request id first (every log line carries it), then the per-IP rate limit and
  // the secret (before the body is read), then the size-limited JSON parse, then the route's own validation.
  const route = (path: string, name: string, handler: AsyncHandler) =>
    router.post(path, createRequestContext(ctx, name), rateLimit, secret, ...body, handle(handler), bodyErrorHandler, errorHandler);

  route('/webhooks/clay', 'clay', createClayHandler(deps, 'unified'));
  route('/api/clay-callback', 'clay_legacy', createClayHandler(deps, 'legacy'));
  route('/webhooks/rb2b', 'rb2b', createRb2bHandler(deps));
  route('/webhooks/instantly', 'instantly', createInstantlyHandler(deps));
  route('/webhooks/heyreach', 'heyreach', createHeyReachHandler(deps));
  return router;
}
