import { autonomyBlocks } from '../bot/blocks-autonomy.ts';
import { createAutonomy } from '../jobs/autonomy-service.ts';
import type { Subcommand } from './types.ts';

/** `/caio autonomy`: anyone may look. The gates read a month of counters, so the ack goes first. */
export const autonomy: Subcommand<'autonomy'> = async ({ command, ack }, deps) => {
  await ack();
  const view = await createAutonomy(deps.ctx).view();
  await deps.reply(command.response_url, { response_type: 'ephemeral', text: `Autonomy score ${view.report.score}/100`, blocks: autonomyBlocks(view) });
};
