import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '../core/config.ts';
import type { ClayPipelinePayload, ClayVisitorPayload } from './clay-schema.ts';
import type { InstantlyEvent } from './instantly-schema.ts';
import type { LeadSignal } from './lead-signal.ts';
import type { Rb2bVisit } from './rb2b-schema.ts';
import { bullPrefix, defaultJobOptions } from '../core/queue.ts';

export const WEBHOOK_QUEUE = 'webhooks';

/** Every job the webhook worker runs; `reqId` ties the worker's log lines to the request. */
export type WebhookJob =
  | { name: 'clay-pipeline'; data: { reqId: string; payload: ClayPipelinePayload } }
  | { name: 'clay-visitor'; data: { reqId: string; payload: ClayVisitorPayload } }
  | { name: 'rb2b-visit'; data: { reqId: string; visit: Rb2bVisit } }
  | { name: 'instantly-event'; data: { reqId: string; event: InstantlyEvent } }
  | { name: 'lead-signal'; data: { reqId: string; signal: LeadSignal } };

export type WebhookJobName = WebhookJob['name'];

export interface WebhookQueue {
  queue: Queue;
  /**
   * The queue's own connection, with auto-pipelining: under load the routes' idempotency markers
   * and job adds from one event-loop tick go to Redis in one write.
   */
  redis: Redis;
  /** Adds a job once per id (BullMQ ignores a second add with the same id). */
  add(job: WebhookJob, jobId: string, options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** The queue between the webhook routes (which answer at once) and the webhook worker. */
export function createWebhookQueue(shared: Redis, prefix: string, pipeline: PipelineConfig): WebhookQueue {
  const connection = shared.duplicate({ enableAutoPipelining: true });
  connection.on('error', () => undefined); // reported by /healthz and by the 503s of the routes
  const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: bullPrefix(prefix), defaultJobOptions: defaultJobOptions(pipeline) });
  return {
    queue,
    redis: connection,
    async add(job, jobId, options = {}) {
      // The adds of one event-loop tick leave in one write (auto-pipelining): measured about a tenth
      // less CPU per job than gathering them into one addBulk (a MULTI, whose queued replies ioredis
      // handles one by one).
      await queue.add(job.name, job.data, { jobId, ...(options.delayMs ? { delay: options.delayMs } : {}) });
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
