import { parseArgs } from 'node:util';
import { actor, UsageError, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

const HASH = /^[a-f0-9]{64}$/;

/**
 * `caio approve <id> [--hash H]` and `caio reject <id> [--hash H]`: the same decision, rules and
 * audit as the Slack buttons. Like a button, a decision is bound to a sequence hash: the one given
 * (as caio pending printed it), or the current one, which is printed.
 */
function decide(action: 'approve' | 'reject'): CliCommand {
  return {
    // One help line for the pair, listed with approve.
    helpLines: action === 'approve' ? [['caio approve <id> [--hash H]  |  caio reject <id> [--hash H]', 'decide one approval (id = the lead ref)']] : [],
    usage: `Usage: caio ${action} <id> [--hash H]

${action === 'approve' ? 'Approves' : 'Rejects'} one email sequence waiting for a decision (id = the lead ref, as caio pending lists it).

  --hash H   the sequence hash caio pending printed: if the sequence changed since (an edit in
             Slack), nothing changes and the exit code is 1. Without it, the current sequence is
             decided and its hash printed.

A decision already made is not changed: exit 1 names who made it.`,

    async run(args, out) {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { hash: { type: 'string' } } });
      const [id] = positionals;
      if (!id || positionals.length > 1) throw new UsageError(`caio ${action} takes one approval id`);
      const given = values.hash?.trim().toLowerCase();
      if (given !== undefined && !HASH.test(given)) throw new UsageError('--hash takes the 64-character sequence hash caio pending prints');
      return withDefaultContext(async (ctx) => {
        const shownHash = given ?? (await ctx.approvals.get(id))?.hash;
        if (shownHash === undefined) {
          out.error(`no approval with id ${id}`);
          return 1;
        }
        const result = await ctx.approvalService.decide(id, { action, by: actor(), shownHash });
        if (result.ok) {
          out.log(`${id}: ${result.approval.status} by ${result.approval.decided_by} (sequence hash ${result.approval.hash})`);
          return 0;
        }
        if (result.reason === 'not_found') out.error(`no approval with id ${id}`);
        else if (result.reason === 'stale') out.error(`${id}: hash ${shownHash} is not this sequence's hash (it changed since it was shown, or the hash is another approval's); nothing changed. Read it again with caio pending --full.`);
        else out.error(`${id}: already ${result.approval.status} by ${result.approval.decided_by ?? 'unknown'}`);
        return 1;
      });
    },
  };
}

export const approve = decide('approve');
export const reject = decide('reject');
