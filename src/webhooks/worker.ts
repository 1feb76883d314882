import { Worker, type Job } from 'bullmq';
import type { AppContext } from '../context.ts';
import { createClayPipelineProcessor } from './processors/clay-pipeline.ts';
import { createClayVisitorProcessor } from './processors/clay-visitor.ts';
import type { WorkerDeps } from './processors/deps.ts';
import { createInstantlyEventProcessor } from './processors/instantly-event.ts';
import { createLeadSignalProcessor } from './processors/lead-signal.ts';
import { createRb2bVisitProcessor } from './processors/rb2b-visit.ts';
import { WEBHOOK_QUEUE, type WebhookJobName } from './queue.ts';
import { createVisitorStore } from './visitor-store.ts';
import { bullPrefix, stalledJobOptions } from '../core/queue.ts';

export interface WebhookWorker {
  worker: Worker;
  /** Lets in-flight jobs finish, then closes. */
  close(): Promise<void>;
}

/**
 * Starts the worker that does what the webhook routes queued. Runs with the pipeline workers
 * (role `worker` or `all`); any number of processes may run it against one Redis.
 */
export function startWebhookWorker(ctx: AppContext, options: { concurrency?: number } = {}): WebhookWorker {
  const deps: WorkerDeps = { ctx, keys: ctx.keys.webhooks, visitors: createVisitorStore(ctx.redis, ctx.keys.webhooks) };
  const processors: Record<WebhookJobName, (job: Job, token?: string) => Promise<unknown>> = {
    'clay-pipeline': createClayPipelineProcessor(deps),
    'clay-visitor': createClayVisitorProcessor(deps),
    'rb2b-visit': createRb2bVisitProcessor(deps),
    'instantly-event': createInstantlyEventProcessor(deps),
    'lead-signal': createLeadSignalProcessor(deps),
  };
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async (job, token) => {
      const processor = processors[job.name as WebhookJobName];
      if (!processor) throw new Error(`unknown webhook job ${job.name}`);
      return processor(job, token);
    },
    // The same stalled-job handling as the pipeline (see stalledJobOptions): every processor here is
    // idempotent, so BullMQ's default of failing a job after its second stall would lose events
    // (an unsubscribe, a Clay result) to two ordinary crashes.
    { connection: ctx.redis, prefix: bullPrefix(ctx.keys.prefix), concurrency: options.concurrency ?? ctx.config.webhooks.worker_concurrency, ...stalledJobOptions(ctx.config.pipeline) },
  );
  worker.on('error', (err) => ctx.logger.error({ err }, 'webhook worker error'));
  worker.on('failed', (job, err) => {
    ctx.logger.warn({ err, job: job?.id, kind: job?.name, attempts: job?.attemptsMade }, 'webhook job failed');
    // A final failure (attempts used up, or stalled too often) means an accepted event was never
    // applied: say so where people look, naming the job (ids carry no personal data), not the body.
    if (!job?.finishedOn) return;
    ctx.notifier
      .alert('WARNING', `Webhook event ${job.name} was accepted but could not be processed: ${err.message}`, { job: job.id, kind: job.name, attempts: job.attemptsMade })
      .catch((alertErr: unknown) => ctx.logger.error({ err: alertErr }, 'alert failed'));
  });
  return {
    worker,
    async close() {
      await worker.close();
    },
  };
}
