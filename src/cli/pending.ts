import { parseArgs } from 'node:util';
import { EMAIL_STEP_DAYS } from '../core/cadence.ts';
import type { Approval } from '../core/approvals.ts';
import type { CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** As many as a person would read in a terminal; the Slack cards hold the rest. */
const PENDING_LIMIT = 500;

/** One approval: its id and hash (for caio approve --hash), then a line per step, bodies with --full. */
export function pendingLines(approval: Approval, full: boolean): string[] {
  const lines = [`${approval.id}  hash ${approval.hash}`];
  approval.steps.forEach((step, i) => {
    lines.push(`  step ${i + 1}  day ${String(EMAIL_STEP_DAYS[i] ?? '?').padEnd(2)}  ${step.subject}`);
    if (full) lines.push(...step.body.split(/\r\n?|\n/).map((line) => `      ${line}`.trimEnd()));
  });
  return lines;
}

export const pending: CliCommand = {
  helpLines: [['caio pending [--full]', 'approvals waiting for a decision, with their email sequences']],
  usage: `Usage: caio pending [--full]

Lists approvals waiting for a decision: the id (for caio approve|reject) and the sequence hash
(for caio approve --hash), then one line per email step: step, cadence day and subject.

  --full   print every step's body too`,

  async run(args, out) {
    const { values } = parseArgs({ args, strict: true, options: { full: { type: 'boolean', default: false } } });
    return withDefaultContext(async (ctx) => {
      for (const a of await ctx.approvals.listPending(PENDING_LIMIT)) for (const line of pendingLines(a, values.full)) out.log(line);
      return 0;
    });
  },
};
