import type { SlackDeps } from '../bot/deps.ts';
import { replyOutcomeFromButton } from './reply-outcome-button.ts';
import type { ButtonArgs } from './types.ts';

/** The **Not now** button of a reply message. */
export const replyNotNow = (args: ButtonArgs, deps: SlackDeps) => replyOutcomeFromButton(args, deps, 'not_now');
