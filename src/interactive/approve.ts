import type { SlackDeps } from '../bot/deps.ts';
import { decideFromButton } from './decide-button.ts';
import type { ButtonArgs } from './types.ts';

/** The Approve button of an approval card. */
export const approve = (args: ButtonArgs, deps: SlackDeps) => decideFromButton(args, deps, 'approve');
