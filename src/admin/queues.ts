import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Router } from 'express';
import { OUTBOX_QUEUE } from '../bot/outbox.ts';
import { bullPrefix } from '../core/queue.ts';
import type { AppContext } from '../context.ts';

export const QUEUE_VIEW_PATH = '/admin/queues';

/**
 * The operators' queue view (bull-board): every pipeline stage, cadence, webhook and Slack outbox
 * queue, with failed jobs and their errors. Mounted behind adminAccess only when ADMIN_TOKEN is set.
 */
export function createQueueView(ctx: Pick<AppContext, 'queues' | 'webhookQueue' | 'redis' | 'keys'>): Router {
  const server = new ExpressAdapter();
  server.setBasePath(QUEUE_VIEW_PATH);
  // The outbox queue belongs to the Slack notifier; this handle only reads it (BullMQ shares the connection).
  const outbox = new Queue(OUTBOX_QUEUE, { connection: ctx.redis, prefix: bullPrefix(ctx.keys.prefix) });
  const queues = [...ctx.queues.all(), ctx.webhookQueue.queue, outbox];
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: server, options: { uiConfig: { boardTitle: 'CAIO queues' } } });
  return server.getRouter() as Router;
}
