import { REFUSAL_TEXT } from '../bot/approvers.ts';
import { resumeEverything } from '../jobs/control.ts';
import type { Subcommand } from './types.ts';

/** `/caio resume`: clears the stop flag and resumes the queues. */
export const resume: Subcommand<'resume'> = async ({ command, ack }, deps) => {
  const user = command.user_id;
  if (!deps.approvers.allows(user)) {
    await ack({ response_type: 'ephemeral', text: REFUSAL_TEXT });
    await deps.approvers.refuse(user, 'resume', 'pipeline');
    return;
  }
  await ack({ response_type: 'ephemeral', text: 'Resuming…' });
  const { changed } = await resumeEverything(deps.ctx, user);
  deps.status.invalidate();
  await deps.reply(command.response_url, { response_type: 'ephemeral', text: changed ? ':arrow_forward: Resumed: queues are running again.' : 'Nothing to resume: no emergency stop was set.' });
};
