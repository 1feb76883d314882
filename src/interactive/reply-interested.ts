import type { SlackDeps } from '../bot/deps.ts';
import { replyOutcomeFromButton } from './reply-outcome-button.ts';
import type { ButtonArgs } from './types.ts';

/** The **Interested** button of a reply message. */
export const replyInterested = (args: ButtonArgs, deps: SlackDeps) => replyOutcomeFromButton(args, deps, 'interested');
