import { esc } from '../bot/format.ts';
import { createAnnealing, type AnnealRun } from '../jobs/autonomy-anneal.ts';
import { ackUnlessApprover, type Subcommand } from './types.ts';

/** What an on-demand anneal did, in one ephemeral message. */
export function annealRunText(run: AnnealRun): string {
  switch (run.kind) {
    case 'proposed':
      return run.created
        ? `A weight proposal (\`${run.proposal.id}\`) is posted in the approval channel: nothing changes until an approver clicks Apply.`
        : `The open weight proposal (\`${run.proposal.id}\`) still stands: decide it in the approval channel.`;
    case 'no_change':
      return `No weight moves: ${run.analysis.features.map((f) => `${f.feature} ${esc(f.why)}`).join('; ')}.`;
    case 'not_enough_data':
      return `No proposal: ${esc(run.analysis.not_enough_data ?? 'not enough data')}.`;
    case 'policy_invalid':
      return `No proposal: the stored policy is invalid (${esc(run.problem)}).`;
  }
}

/** `/caio anneal`: approvers run the self-annealing now; a proposal card follows in the approval channel. */
export const anneal: Subcommand<'anneal'> = async (args, deps) => {
  if (!(await ackUnlessApprover(args, deps, 'anneal', 'icp weights'))) return;
  await args.ack({ response_type: 'ephemeral', text: 'Comparing outcomes across the ICP features…' });
  const run = await createAnnealing(deps.ctx).propose(args.command.user_id);
  await deps.reply(args.command.response_url, { response_type: 'ephemeral', text: annealRunText(run) });
};
