import type { SlackDeps } from '../bot/deps.ts';
import { createAnnealing } from '../jobs/autonomy-anneal.ts';
import { proposalButton } from './proposal-button.ts';
import type { ButtonArgs } from './types.ts';

/** **Apply** on a weight proposal: the ICP weights change cluster-wide through the policy. */
export const annealApply = (args: ButtonArgs, deps: SlackDeps) =>
  proposalButton(args, deps, 'autonomy.anneal.apply', (id, by) => createAnnealing(deps.ctx).apply(id, by), 'Applied: the new ICP weights hold cluster-wide (`caio anneal --revert` restores the previous ones).');
