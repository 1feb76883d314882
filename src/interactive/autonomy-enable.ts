import type { SlackDeps } from '../bot/deps.ts';
import { createAutonomy } from '../jobs/autonomy-service.ts';
import { proposalButton } from './proposal-button.ts';
import type { ButtonArgs } from './types.ts';

/** **Enable** on a segment's auto-approval proposal. */
export const autonomyEnable = (args: ButtonArgs, deps: SlackDeps) =>
  proposalButton(args, deps, 'autonomy.enable', (id, by) => createAutonomy(deps.ctx).enable(id, by), 'Enabled: its new emails are auto-approved (the safety gate still applies at send).');
