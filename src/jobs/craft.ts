import { UnrecoverableError, type Job } from 'bullmq';
import { buildCadence } from '../core/cadence.ts';
import { craftLeadSequence } from './crafter.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { handOn, runLeadStage } from './stage-runner.ts';

/** Craft: the five personalised emails of the sequence and the 21-day cadence plan, stored with the lead. */
export function createCraftProcessor(deps: PipelineDeps) {
  return async (job: Job<LeadJobData>, token?: string): Promise<void> => {
    await runLeadStage('craft', job, deps, async (lead) => {
      if (!lead.icp) throw new UnrecoverableError(`lead ${lead.ref} reached craft without a score`);
      const sequence = await craftLeadSequence(deps, job, token, lead, lead.icp);
      await handOn(deps, lead, 'craft', 'approve', { email_draft: sequence[0], email_sequence: sequence, cadence: buildCadence(), state: 'crafted' });
    }, { countInFirst: false, token });
  };
}
