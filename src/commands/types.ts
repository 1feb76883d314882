import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { REFUSAL_TEXT } from '../bot/approvers.ts';
import type { SlackDeps } from '../bot/deps.ts';
import type { CaioCommand } from './parse.ts';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** One /caio subcommand: acks first, then does its work. */
export type Subcommand<K extends CaioCommand['kind']> = (args: CommandArgs, deps: SlackDeps, command: Extract<CaioCommand, { kind: K }>) => Promise<void>;

/**
 * Lets an approver through; anyone else gets the ephemeral refusal as the ack and an audit entry.
 * Returns false when the command must stop here.
 */
export async function ackUnlessApprover(args: CommandArgs, deps: SlackDeps, action: string, subject: string): Promise<boolean> {
  const user = args.command.user_id;
  if (deps.approvers.allows(user)) return true;
  await args.ack({ response_type: 'ephemeral', text: REFUSAL_TEXT });
  await deps.approvers.refuse(user, action, subject);
  return false;
}
