import type { Server } from 'node:http';
import express, { type Express } from 'express';
import { adminAccess } from './admin/access.ts';
import { createQueueView, QUEUE_VIEW_PATH } from './admin/queues.ts';
import type { AppContext } from './context.ts';
import { StartupError } from './core/startup-error.ts';
import { withTimeout } from './core/timeout.ts';
import { checkHealth } from './health.ts';
import { createMetricsHandler } from './webhooks/metrics-route.ts';
import { createWebhookRouter } from './webhooks/index.ts';

const READY_TIMEOUT_MS = 1_000;

/**
 * The one HTTP app: health probes, /metrics, the operators' queue view, the webhook routes, and
 * (mounted by src/bot) Slack's /slack/events. Slack is mounted by the caller so Socket Mode can run without it.
 */
export function createHttpApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  const hops = ctx.config.webhooks.rate_limit.proxy_hops;
  if (hops > 0) app.set('trust proxy', hops);
  app.get('/healthz', async (_req, res) => {
    const health = await checkHealth(ctx);
    res.status(health.ok ? 200 : 503).json(health);
  });
  // Liveness: the process answers (a restart would not help while Redis is down, so no Redis here).
  app.get('/livez', (_req, res) => {
    res.json({ ok: true });
  });
  // Readiness: Redis answers, so this replica can take traffic.
  app.get('/readyz', async (_req, res) => {
    const ready = await withTimeout(ctx.redis.ping(), READY_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    res.status(ready ? 200 : 503).json({ ok: ready, redis: ready ? 'up' : 'down' });
  });
  const token = ctx.config.env.ADMIN_TOKEN;
  const metrics = createMetricsHandler(ctx);
  app.get('/metrics', adminAccess(token, '/metrics'), (req, res, next) => void metrics(req, res).catch(next));
  // Without a token there is no queue view at all: it can retry and delete jobs.
  if (token) app.use(QUEUE_VIEW_PATH, adminAccess(token, 'the queue view'), createQueueView(ctx));
  else ctx.logger.info('ADMIN_TOKEN is unset: no queue view at /admin/queues, and /metrics answers loopback clients only');
  app.use(createWebhookRouter(ctx));
  return app;
}

/** Listens on the port; a port in use (or not ours to take) is a one-line start-up error. */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'EADDRINUSE') reject(new StartupError('PORT_IN_USE', `port ${port} is already in use: stop the process that listens on it, or set PORT to a free port`));
      else if (code === 'EACCES') reject(new StartupError('PORT_DENIED', `port ${port} may not be opened by this user: set PORT to 1024 or above`));
      else if (err) reject(err);
      else resolve(server);
    });
  });
}
