import { stopEverything } from '../jobs/control.ts';
import { ackUnlessApprover, type Subcommand } from './types.ts';

/** `/caio stop [reason]`: the EMERGENCY STOP, cluster-wide. */
export const stop: Subcommand<'stop'> = async (args, deps, parsed) => {
  const { command, ack } = args;
  if (!(await ackUnlessApprover(args, deps, 'stop', 'pipeline'))) return;
  const user = command.user_id;
  await ack({ response_type: 'ephemeral', text: 'Stopping everything…' });
  const { changed } = await stopEverything(deps.ctx, user, parsed.reason);
  deps.status.invalidate();
  await deps.reply(command.response_url, {
    response_type: 'ephemeral',
    text: changed ? ':octagonal_sign: EMERGENCY STOP is on: queues paused, no outbound call will be made, and the Instantly and HeyReach campaigns are being paused (`/caio status` shows when each provider confirms). `/caio resume` undoes it.' : 'The emergency stop was already on.',
  });
};
