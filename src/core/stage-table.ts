import type { Run, StageStats } from './store.ts';
import { STAGES, type Stage } from './types.ts';

/** What one stage of a run is doing: passed, waiting for a person, held by the cap, stopped, running or failed. */
export type StageStatus = 'PASS' | 'WAIT' | 'HOLD' | 'STOP' | 'RUN' | 'FAIL';

/** One row of a run's stage table, before any surface (Slack, terminal) formats it. */
export interface StageRow extends Pick<StageStats, 'in' | 'out' | 'dropped' | 'errors' | 'duration_ms'> {
  stage: Stage;
  status: StageStatus;
}

/** How a run ended for whoever waited on it: every stage passed, something failed, or neither yet. */
export type RunVerdict = 'PASS' | 'FAIL' | 'INCOMPLETE';

/** The status of one stage; an error anywhere in the stage outranks everything else. */
export function stageStatus(stage: Stage, stats: StageStats, run: Run): StageStatus {
  if (stats.errors > 0) return 'FAIL';
  if (stage === 'approve' && run.awaiting > 0) return 'WAIT';
  if (stage === 'send' && run.held > 0) return 'HOLD';
  // Leads still inside the stage: stopped ones wait for a resume, the others are being worked.
  if (stats.in > stats.out + stats.dropped) return run.status === 'stopped' ? 'STOP' : 'RUN';
  return 'PASS';
}

/** The rows of a run's stage table, in pipeline order. */
export function stageRows(run: Run): StageRow[] {
  return STAGES.map((stage) => {
    const s = run.stages[stage];
    return { stage, status: stageStatus(stage, s, run), in: s.in, out: s.out, dropped: s.dropped, errors: s.errors, duration_ms: s.duration_ms };
  });
}

/** How many stages passed, and the run's verdict (a failed run fails even when its stages look clean). */
export function runVerdict(run: Run, rows: StageRow[] = stageRows(run)): { passed: number; verdict: RunVerdict } {
  const passed = rows.filter((r) => r.status === 'PASS').length;
  if (rows.some((r) => r.status === 'FAIL') || run.status === 'failed') return { passed, verdict: 'FAIL' };
  return { passed, verdict: passed === rows.length ? 'PASS' : 'INCOMPLETE' };
}

/** The width of each column of a fixed-width text table: its widest cell, header included. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  return Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
}
