import type { Job } from 'bullmq';
import { scoreLead } from '../core/icp-score.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { finishLead, handOn, runLeadStage } from './stage-runner.ts';
import { STOPPED_RECHECK_MS, park } from '../core/queue.ts';

/** Segment: the explainable ICP score; disqualified leads stop here. */
export function createSegmentProcessor(deps: PipelineDeps) {
  return async (job: Job<LeadJobData>, token?: string): Promise<void> => {
    await runLeadStage('segment', job, deps, async (lead) => {
      const weights = await deps.policy.icp();
      // A broken stored policy scores nothing: the lead waits for an approver to fix it.
      if (!weights) return park(job, token, Date.now() + STOPPED_RECHECK_MS);
      const icp = scoreLead(lead, weights);
      if (icp.tier === 'disqualified') {
        return finishLead(deps, lead, 'segment', 'dropped', { icp, state: 'disqualified' });
      }
      await handOn(deps, lead, 'segment', 'craft', { icp, state: 'segmented' });
    }, { countInFirst: false, token });
  };
}
