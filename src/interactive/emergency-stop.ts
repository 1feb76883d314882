import type { SlackDeps } from '../bot/deps.ts';
import { controlFromButton } from './control-button.ts';
import type { ButtonArgs } from './types.ts';

/** The EMERGENCY STOP button (danger style, confirm dialog). */
export const emergencyStop = (args: ButtonArgs, deps: SlackDeps) => controlFromButton(args, deps, 'stop');
