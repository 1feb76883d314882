import { parseArgs } from 'node:util';
import type { CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** As many as a person would read in a terminal; the Slack cards hold the rest. */
const PENDING_LIMIT = 500;

export const pending: CliCommand = {
  helpLines: [['caio pending', 'approvals waiting for a decision']],
  usage: `Usage: caio pending

Lists approvals waiting for a decision, one a line: the id (for caio approve|reject) and the subject.`,

  async run(args, out) {
    parseArgs({ args, strict: true });
    return withDefaultContext(async (ctx) => {
      for (const a of await ctx.approvals.listPending(PENDING_LIMIT)) out.log(`${a.id}  ${a.subject}`);
      return 0;
    });
  },
};
