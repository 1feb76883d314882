import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport } from '../core/report-html.ts';
import { loadReportData } from '../jobs/autonomy-report.ts';
import { UsageError, type CliCommand } from './command.ts';
import { withDefaultContext } from './context.ts';

/** `caio report --out report.html`: a self-contained HTML report with inline SVG charts. */
export const report: CliCommand = {
  helpLines: [['caio report --out FILE', 'write a self-contained HTML report (gates, funnel, KPIs over time, segments, credits)']],
  usage: `Usage: caio report --out FILE

Writes one HTML file that opens in any browser with no network: the graduation gates and score, the
funnel per stage over the recent runs, the KPIs against their gates per day, sends/opens/replies/bounces
per day, approval rates per segment and credit spend, as inline SVG charts. Prints the file's path.`,

  async run(args, out) {
    const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
    if (!values.out) throw new UsageError('caio report needs --out FILE, e.g. --out report.html');
    const file = resolve(values.out);
    return withDefaultContext(async (ctx) => {
      writeFileSync(file, renderReport(await loadReportData(ctx)));
      out.log(file);
      return 0;
    });
  },
};
