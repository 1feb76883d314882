import { parseArgs } from 'node:util';
import { createAnnealing } from '../jobs/autonomy-anneal.ts';
import { actor, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** `caio anneal [--revert]`: post a weight proposal now, or restore the weights before the last applied one. */
export const anneal: CliCommand = {
  helpLines: [['caio anneal [--revert]', 'propose ICP weights from outcomes now; --revert restores the previous weights']],
  usage: `Usage: caio anneal [--revert]

Without --revert: compares reply and positive-reply rates across the ICP features over the last
autonomy.anneal.window_days and, when a feature clearly predicts replies, posts a weight proposal
(each weight moves at most autonomy.anneal.max_change) in the approval channel. Nothing changes
until an approver clicks Apply.
--revert: restores the ICP weights from before the last applied proposal, through the cluster policy
(versioned, audited, announced). Refused when the weights were changed since.
Exit 0 on success, 1 when there is nothing to propose or revert or it was refused.`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { revert: { type: 'boolean', default: false } }, strict: true });
    return withDefaultContext(async (ctx) => {
      const annealing = createAnnealing(ctx);
      if (values.revert) {
        const result = await annealing.revert(actor());
        switch (result.kind) {
          case 'reverted':
            out.log(`ICP weights restored to ${JSON.stringify(result.entry.before)} (policy version ${result.version}; they were ${JSON.stringify(result.entry.after)} since proposal ${result.entry.proposal}).`);
            return 0;
          case 'nothing_to_revert':
            out.error('no applied weight proposal to revert.');
            return 1;
          case 'weights_changed_since':
            out.error(`the ICP weights changed since proposal ${result.entry.proposal} was applied (now policy version ${result.version ?? '?'}); change them with caio config set icp.weights.NAME=VALUE instead.`);
            return 1;
          case 'refused':
            out.error(`not reverted: ${result.why}`);
            return 1;
        }
      }
      const run = await annealing.propose(actor());
      switch (run.kind) {
        case 'proposed': {
          const a = run.proposal.data.kind === 'anneal' ? run.proposal.data.analysis : null;
          out.log(`${run.created ? 'proposed' : 'already open'}: ${run.proposal.id}`);
          for (const f of a?.features ?? []) out.log(`  ${f.feature.padEnd(13)} ${String(f.before).padStart(5)} → ${String(f.after).padEnd(5)} ${f.why}`);
          if (a) out.log(`  ${a.tier_changes.changed} of ${a.tier_changes.leads} leads of the window would change tier ${JSON.stringify(a.tier_changes.moves)}`);
          return 0;
        }
        case 'no_change':
          out.log('no weight moves:');
          for (const f of run.analysis.features) out.log(`  ${f.feature.padEnd(13)} ${f.why}`);
          return 1;
        case 'not_enough_data':
          out.log(`no proposal: ${run.analysis.not_enough_data}`);
          return 1;
        case 'policy_invalid':
          out.error(`no proposal: the stored policy is invalid (${run.problem})`);
          return 1;
      }
    });
  },
};
