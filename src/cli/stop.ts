import { parseArgs } from 'node:util';
import { stopEverything } from '../jobs/control.ts';
import { actor, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

export const stop: CliCommand = {
  helpLines: [['caio stop [--reason TEXT]', 'EMERGENCY STOP: halt every outbound call cluster-wide']],
  usage: `Usage: caio stop [--reason TEXT]

EMERGENCY STOP: sets the cluster-wide stop flag and pauses every queue, like the Slack button.
No outbound call is made anywhere until \`caio resume\`, except pausing the Instantly and HeyReach
campaigns, which the workers retry until each provider confirms. The stop is audited and, with Slack
configured, announced as a CRITICAL alert.`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { reason: { type: 'string', default: 'stopped from the CLI' } }, strict: true });
    return withDefaultContext(async (ctx) => {
      const { changed } = await stopEverything(ctx, actor(), values.reason);
      out.log(changed ? 'EMERGENCY STOP set: every outbound call is halted, the queues are paused, and the Instantly and HeyReach campaigns are being paused by the workers (caio status shows when each provider confirms).' : 'already stopped');
      return 0;
    });
  },
};
