import { parseArgs } from 'node:util';
import type { CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

export const shadow: CliCommand = {
  helpLines: [['caio shadow', 'shadow emails as JSON lines']],
  usage: `Usage: caio shadow

Prints the shadow emails (what would have been sent in shadow mode) as JSON lines on stdout;
logs go to stderr, so the output can be piped as it is.`,

  async run(args, out) {
    parseArgs({ args, strict: true });
    return withDefaultContext(async (ctx) => {
      for (const email of await ctx.gate.listShadow()) out.log(JSON.stringify(email));
      return 0;
    });
  },
};
