import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import { createEnrichmentMarkers } from '../core/enrichment-markers.ts';
import type { ClayCallback, ClayResultSink, ClayResumeResult } from '../core/ports.ts';
import { leadJobId, type Queues } from './queues.ts';

export type { ClayResumeResult } from '../core/ports.ts';

/**
 * The function the /webhooks/clay route (and the sandbox Clay) calls with a pipeline callback:
 * it records the result once and wakes the lead's parked enrichment job.
 */
export function createClayResume(deps: { redis: Redis; keys: Keys; queues: Queues; logger: Logger }): ClayResultSink {
  const markers = createEnrichmentMarkers(deps.redis, deps.keys);
  return async (payload: ClayCallback & { lead_id: string }): Promise<ClayResumeResult> => {
    const ref = payload.lead_id;
    const result = await markers.recordClayResult(ref, JSON.stringify(payload));
    if (result === 'applied') {
      await wakeEnrichJob(deps.queues, ref);
    }
    deps.logger.info({ lead: ref, result }, 'clay callback');
    return result;
  };
}

export type ClayResume = ClayResultSink;

/**
 * Promotes the parked job; if it is still active (about to park), tries again briefly. The job is
 * usually parked by then, so it is promoted by id straight away (BullMQ's promote refuses a job
 * that is not delayed), and its state is read only when that fails.
 */
async function wakeEnrichJob(queues: Queues, ref: string): Promise<void> {
  const queue = queues.byStage.enrich;
  const id = leadJobId(ref, 'enrich');
  for (let attempt = 0; attempt < 5; attempt++) {
    const promoted = await new Job(queue, 'enrich', {}, {}, id).promote().then(
      () => true,
      () => false,
    );
    if (promoted || (await queue.getJobState(id)) !== 'active') return;
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
}
