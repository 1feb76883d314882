import type { SlackDeps } from '../bot/deps.ts';
import { replyOutcomeFromButton } from './reply-outcome-button.ts';
import type { ButtonArgs } from './types.ts';

/** The **Unsubscribe** button of a reply message. */
export const replyUnsubscribe = (args: ButtonArgs, deps: SlackDeps) => replyOutcomeFromButton(args, deps, 'unsubscribed');
