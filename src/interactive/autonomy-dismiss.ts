import type { SlackDeps } from '../bot/deps.ts';
import { createAutonomy } from '../jobs/autonomy-service.ts';
import { proposalButton } from './proposal-button.ts';
import type { ButtonArgs } from './types.ts';

/** **Dismiss** on a segment's auto-approval proposal. */
export const autonomyDismiss = (args: ButtonArgs, deps: SlackDeps) =>
  proposalButton(args, deps, 'autonomy.dismiss', (id, by) => createAutonomy(deps.ctx).dismiss(id, by), 'Dismissed: a person keeps approving its emails.');
