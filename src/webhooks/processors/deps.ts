import type { Job } from 'bullmq';
import type { AppContext } from '../../context.ts';
import type { Logger } from '../../core/logger.ts';
import { park, STOPPED_RECHECK_MS } from '../../core/queue.ts';
import type { WebhookKeys } from '../../core/keys.ts';
import type { VisitorStore } from '../visitor-store.ts';

/** What every webhook job processor gets (built once by the worker). */
export interface WorkerDeps {
  ctx: AppContext;
  keys: WebhookKeys;
  visitors: VisitorStore;
}

/** Parks the job while the emergency stop is on (no outbound call), without using an attempt. */
export async function parkWhileStopped(deps: WorkerDeps, job: Job, token: string | undefined, log: Logger): Promise<void> {
  const stop = await deps.ctx.emergency.state();
  if (!stop.stopped) return;
  log.info({ job: job.id }, 'emergency stop: webhook job parked');
  await park(job, token, Date.now() + STOPPED_RECHECK_MS);
}

export function jobLogger(deps: WorkerDeps, job: Job<{ reqId: string }>): Logger {
  return deps.ctx.logger.child({ reqId: job.data.reqId, job: job.id, kind: job.name });
}
