import { resumeEverything } from '../jobs/control.ts';
import { ackUnlessApprover, type Subcommand } from './types.ts';

/** `/caio resume`: clears the stop flag and resumes the queues. */
export const resume: Subcommand<'resume'> = async (args, deps) => {
  const { command, ack } = args;
  if (!(await ackUnlessApprover(args, deps, 'resume', 'pipeline'))) return;
  const user = command.user_id;
  await ack({ response_type: 'ephemeral', text: 'Resuming…' });
  const { changed } = await resumeEverything(deps.ctx, user);
  deps.status.invalidate();
  await deps.reply(command.response_url, { response_type: 'ephemeral', text: changed ? ':arrow_forward: Resumed: queues are running again.' : 'Nothing to resume: no emergency stop was set.' });
};
