import { parseArgs } from 'node:util';
import { resumeEverything } from '../jobs/control.ts';
import { actor, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

export const resume: CliCommand = {
  helpLines: [['caio resume', 'clear the stop and resume the queues']],
  usage: `Usage: caio resume

Clears the emergency stop and resumes the queues; held sends go out at the configured rate.`,

  async run(args, out) {
    parseArgs({ args, strict: true });
    return withDefaultContext(async (ctx) => {
      const { changed } = await resumeEverything(ctx, actor());
      out.log(changed ? 'resumed: the queues are running again.' : 'was not stopped; queues resumed.');
      return 0;
    });
  },
};
