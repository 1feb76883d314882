import { createCreditUsage } from '../core/credit-usage.ts';
import { daysEnding } from '../core/segment-kpis.ts';
import type { ReportData } from '../core/report-html.ts';
import { STAGES } from '../core/types.ts';
import { BUDGETS } from '../providers/credits.ts';
import { createAutonomy, type AutonomyDeps } from './autonomy-service.ts';
import type { PipelineDeps } from './deps.ts';

/** Runs summed into the report's funnel. */
const FUNNEL_RUNS = 50;

/** Daily credit counters are kept 40 days (src/core/credit-usage.ts): the report shows at most 30. */
const CREDIT_DAYS = 30;

/** Everything `caio report` draws, read from the same counters as /caio autonomy. */
export async function loadReportData(deps: AutonomyDeps & Pick<PipelineDeps, 'store'>, now = new Date()): Promise<ReportData> {
  const cfg = deps.config.autonomy;
  const autonomy = createAutonomy(deps, () => now);
  const days = daysEnding(now, cfg.window_days);
  const creditDays = days.slice(-CREDIT_DAYS);
  const [view, counters, runs, creditValues] = await Promise.all([
    autonomy.view(now),
    autonomy.kpis.readDays(days),
    deps.store.listRuns(FUNNEL_RUNS),
    createCreditUsage(deps.redis, deps.keys).used(creditDays.flatMap((day) => BUDGETS.map((budget) => [budget, day] as const))),
  ]);
  const funnel = STAGES.map((stage) => {
    const sum = (f: 'in' | 'out' | 'dropped' | 'errors') => runs.reduce((total, run) => total + run.stages[stage][f], 0);
    return { stage, in: sum('in'), out: sum('out'), dropped: sum('dropped'), errors: sum('errors') };
  });
  const credits = creditDays.flatMap((day, i) => BUDGETS.map((budget, j) => ({ day, budget, used: creditValues[i * BUDGETS.length + j] ?? 0 }))).filter((c) => c.used > 0);
  return {
    generated_at: now.toISOString(),
    window_days: cfg.window_days,
    report: view.report,
    segments: view.segments,
    days: days.map((day, i) => ({ day, counters: counters[i] ?? {} })),
    funnel,
    runs: runs.length,
    credits,
    thresholds: { open_rate: cfg.min_open_rate, reply_rate: cfg.min_reply_rate, bounce_rate: cfg.max_bounce_rate, icp_match_rate: cfg.min_icp_match_rate },
  };
}
