import { parseArgs } from 'node:util';
import { gateTable, segmentTable } from '../core/autonomy.ts';
import { createAutonomy } from '../jobs/autonomy-service.ts';
import type { CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** `caio autonomy`: the same gate table as /caio autonomy and App Home. */
export const autonomy: CliCommand = {
  helpLines: [['caio autonomy [--json]', 'the autonomy score, every graduation gate, and the segments']],
  usage: `Usage: caio autonomy [--json]

Prints the autonomy score (0-100) and every graduation gate with its value, threshold, sample size
and verdict (a gate with too little data says "not enough data (n/N)"), then each segment (source/tier):
its decisions since it last lost auto-approval, its email rates, and whether it auto-approves.
Thresholds come from the config's autonomy section. --json prints the same as JSON.
Exit 0 when every gate passes, 1 otherwise.`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
    return withDefaultContext(async (ctx) => {
      const view = await createAutonomy(ctx).view();
      if (values.json) {
        out.log(JSON.stringify({ at: view.at, score: view.report.score, gates: view.report.gates, kpis: view.report.kpis, segments: view.segments }, null, 2));
      } else {
        out.log(gateTable(view.report, view));
        out.log('');
        out.log(segmentTable(view.segments));
      }
      return view.report.allPass ? 0 : 1;
    });
  },
};
