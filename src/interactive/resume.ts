import type { SlackDeps } from '../bot/deps.ts';
import { controlFromButton } from './control-button.ts';
import type { ButtonArgs } from './types.ts';

/** The Resume button shown while stopped (approvers only, confirm dialog). */
export const resume = (args: ButtonArgs, deps: SlackDeps) => controlFromButton(args, deps, 'resume');
