import { parseArgs } from 'node:util';
import { actor, UsageError, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** `caio approve <id>` and `caio reject <id>`: the same decision, rules and audit as the Slack buttons. */
function decide(action: 'approve' | 'reject'): CliCommand {
  return {
    // One help line for the pair, listed with approve.
    helpLines: action === 'approve' ? [['caio approve <id>  |  caio reject <id>', 'decide one approval (id = the lead ref)']] : [],
    usage: `Usage: caio ${action} <id>

${action === 'approve' ? 'Approves' : 'Rejects'} one email waiting for a decision (id = the lead ref, as caio pending lists it).
A decision already made is not changed: exit 1 names who made it.`,

    async run(args, out) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new UsageError(`caio ${action} takes one approval id`);
      return withDefaultContext(async (ctx) => {
        const result = await ctx.approvalService.decide(id, { action, by: actor() });
        if (result.ok) {
          out.log(`${id}: ${result.approval.status} by ${result.approval.decided_by}`);
          return 0;
        }
        if (result.reason === 'not_found') out.error(`no approval with id ${id}`);
        else out.error(`${id}: already ${result.approval.status} by ${result.approval.decided_by ?? 'unknown'}`);
        return 1;
      });
    },
  };
}

export const approve = decide('approve');
export const reject = decide('reject');
