import { REFUSAL_TEXT } from '../bot/approvers.ts';
import { stopEverything } from '../jobs/control.ts';
import type { Subcommand } from './types.ts';

/** `/caio stop [reason]`: the EMERGENCY STOP, cluster-wide. */
export const stop: Subcommand<'stop'> = async ({ command, ack }, deps, parsed) => {
  const user = command.user_id;
  if (!deps.approvers.allows(user)) {
    await ack({ response_type: 'ephemeral', text: REFUSAL_TEXT });
    await deps.approvers.refuse(user, 'stop', 'pipeline');
    return;
  }
  await ack({ response_type: 'ephemeral', text: 'Stopping everything…' });
  const { changed } = await stopEverything(deps.ctx, user, parsed.reason);
  deps.status.invalidate();
  await deps.reply(command.response_url, {
    response_type: 'ephemeral',
    text: changed ? ':octagonal_sign: EMERGENCY STOP is on: queues paused, no outbound call will be made. `/caio resume` undoes it.' : 'The emergency stop was already on.',
  });
};
