import type { SlackDeps } from '../bot/deps.ts';
import { decideFromButton } from './decide-button.ts';
import type { ButtonArgs } from './types.ts';

/** The Reject button of an approval card. */
export const reject = (args: ButtonArgs, deps: SlackDeps) => decideFromButton(args, deps, 'reject');
