import type { Job } from 'bullmq';
import type { ClayPipelinePayload } from '../clay-schema.ts';
import { jobLogger, type WorkerDeps } from './deps.ts';

/** A pipeline row's Clay result: recorded once and the lead's parked enrichment woken (clay-resume). */
export function createClayPipelineProcessor(deps: WorkerDeps) {
  return async (job: Job<{ reqId: string; payload: ClayPipelinePayload }>): Promise<string> => {
    const result = await deps.ctx.resumeClay(job.data.payload);
    jobLogger(deps, job).info({ lead: job.data.payload.lead_id, result }, 'clay pipeline callback processed');
    return result;
  };
}
