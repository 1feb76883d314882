import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import { loadScripts } from '../core/lua.ts';
import type { ClayCallback, ClayResultSink, ClayResumeResult } from '../core/ports.ts';
import { leadJobId, type Queues } from './queues.ts';

export type { ClayResumeResult } from '../core/ports.ts';

/** Late callbacks are kept for operators to look at, bounded in count and time. */
const LATE_KEEP = 1_000;
const LATE_TTL_S = 7 * 24 * 3600;
/** A lead's Clay result outlives any wait for it (the enrichment timeout is minutes). */
const RESULT_TTL_S = 7 * 24 * 3600;

/**
 * The function the /webhooks/clay route (and the sandbox Clay) calls with a pipeline callback:
 * it records the result once and wakes the lead's parked enrichment job.
 */
export function createClayResume(deps: { redis: Redis; keys: Keys; queues: Queues; logger: Logger }): ClayResultSink {
  const scripts = loadScripts(deps.redis);
  return async (payload: ClayCallback & { lead_id: string }): Promise<ClayResumeResult> => {
    const ref = payload.lead_id;
    const { keys } = deps;
    const result = (await scripts.recordClayResult(
      { lead: keys.lead(ref), result: keys.clayResult(ref), wait: keys.clayWait(ref), late: keys.clayLate },
      { payload: JSON.stringify(payload), ref, lateKeep: LATE_KEEP, lateTtlS: LATE_TTL_S, resultTtlS: RESULT_TTL_S },
    )) as ClayResumeResult;
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
