import type { Server } from 'node:http';
import express, { type Express } from 'express';
import type { AppContext } from './context.ts';
import { checkHealth } from './health.ts';
import { createWebhookRouter } from './webhooks/index.ts';

/**
 * The one HTTP app: /healthz, the webhook routes, and (mounted by src/bot) Slack's /slack/events.
 * Slack is mounted by the caller so Socket Mode can run without it.
 */
export function createHttpApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', async (_req, res) => {
    const health = await checkHealth(ctx);
    res.status(health.ok ? 200 : 503).json(health);
  });
  app.use(createWebhookRouter(ctx));
  return app;
}

export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
