import type { Redis } from 'ioredis';
import type { Keys } from '../core/keys.ts';
import type { Logger } from '../core/logger.ts';
import { defineScript } from '../core/lua.ts';
import type { ClayCallback, ClayResultSink, ClayResumeResult } from '../core/ports.ts';
import { leadJobId, type Queues } from './queues.ts';

export type { ClayResumeResult } from '../core/ports.ts';

// Stores the first callback for a lead and says whether its enrichment is still waiting for it.
const RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown_lead' end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', 604800) then return 'duplicate' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'applied' end
redis.call('RPUSH', KEYS[4], ARGV[2])
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[4], tonumber(ARGV[4]))
return 'late'`;

/** Late callbacks are kept for operators to look at, bounded in count and time. */
const LATE_KEEP = 1_000;
const LATE_TTL_S = 7 * 24 * 3600;

/**
 * The function the /webhooks/clay route (and the sandbox Clay) calls with a pipeline callback:
 * it records the result once and wakes the lead's parked enrichment job.
 */
export function createClayResume(deps: { redis: Redis; keys: Keys; queues: Queues; logger: Logger }): ClayResultSink {
  const record = defineScript(deps.redis, RECORD);
  return async (payload: ClayCallback & { lead_id: string }): Promise<ClayResumeResult> => {
    const ref = payload.lead_id;
    const { keys } = deps;
    const result = (await record(
      [keys.lead(ref), keys.clayResult(ref), keys.clayWait(ref), keys.clayLate],
      [JSON.stringify(payload), ref, LATE_KEEP, LATE_TTL_S],
    )) as ClayResumeResult;
    if (result === 'applied') {
      await wakeEnrichJob(deps.queues, ref);
    }
    deps.logger.info({ lead: ref, result }, 'clay callback');
    return result;
  };
}

export type ClayResume = ClayResultSink;

/** Promotes the parked job; if it is still active (about to park), tries again briefly. */
async function wakeEnrichJob(queues: Queues, ref: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const job = await queues.byStage.enrich.getJob(leadJobId(ref, 'enrich'));
    if (!job) return;
    const state = await job.getState();
    if (state === 'delayed') {
      await job.promote().catch(() => undefined);
      return;
    }
    if (state !== 'active') return;
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
}
