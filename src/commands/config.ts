import { policyBlocks } from '../bot/blocks-policy.ts';
import type { Subcommand } from './types.ts';

/** `/caio config`: anyone may look at the stored policy; approvers get Edit (a modal). */
export const config: Subcommand<'config'> = async ({ command, ack }, deps) => {
  const read = await deps.ctx.policy.read();
  const { text, blocks } = policyBlocks(read, deps.approvers.allows(command.user_id));
  await ack({ response_type: 'ephemeral', text, blocks });
};
