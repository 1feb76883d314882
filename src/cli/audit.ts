import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

export const audit: CliCommand = {
  helpLines: [['caio audit [--count N]', 'the audit stream as JSON lines']],
  usage: `Usage: caio audit [--count N]

Prints the audit stream (runs, stops, resumes, decisions, edits, sends, refusals, policy changes)
as JSON lines on stdout, oldest first (--count N: only the newest N); logs go to stderr, so the
output can be piped as it is.`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { count: { type: 'string' } }, strict: true });
    const count = values.count === undefined ? undefined : Number(values.count);
    if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new UsageError(`--count must be a positive whole number (got "${values.count}")`);
    return withDefaultContext(async (ctx) => {
      for (const entry of await ctx.audit.list(count === undefined ? {} : { count })) out.log(JSON.stringify(entry));
      return 0;
    });
  },
};
