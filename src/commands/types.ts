import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../bot/deps.ts';
import type { CaioCommand } from './parse.ts';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** One /caio subcommand: acks first, then does its work. */
export type Subcommand<K extends CaioCommand['kind']> = (args: CommandArgs, deps: SlackDeps, command: Extract<CaioCommand, { kind: K }>) => Promise<void>;
