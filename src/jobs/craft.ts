import { UnrecoverableError, type Job } from 'bullmq';
import { buildCadence } from '../core/cadence.ts';
import { craftEmail } from '../core/email-template.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';
import { handOn, runLeadStage } from './stage-runner.ts';

/** Craft: the personalised first email and the 21-day cadence plan, stored with the lead. */
export function createCraftProcessor(deps: PipelineDeps) {
  return async (job: Job<LeadJobData>, token?: string): Promise<void> => {
    await runLeadStage('craft', job, deps, async (lead) => {
      if (!lead.icp) throw new UnrecoverableError(`lead ${lead.ref} reached craft without a score`);
      const draft = craftEmail(lead, lead.icp);
      await deps.store.updateLead(lead.ref, { email_draft: draft, cadence: buildCadence(), state: 'crafted' }, lead);
      await handOn(deps, lead, 'craft', 'approve');
    }, { countInFirst: false, token });
  };
}
