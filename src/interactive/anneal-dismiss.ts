import type { SlackDeps } from '../bot/deps.ts';
import { createAnnealing } from '../jobs/autonomy-anneal.ts';
import { proposalButton } from './proposal-button.ts';
import type { ButtonArgs } from './types.ts';

/** **Dismiss** on a weight proposal: the weights stay as they are. */
export const annealDismiss = (args: ButtonArgs, deps: SlackDeps) =>
  proposalButton(args, deps, 'autonomy.anneal.dismiss', (id, by) => createAnnealing(deps.ctx).dismiss(id, by), 'Dismissed: the ICP weights stay as they are.');
