import type { Run } from '../core/store.ts';
import { columnWidths, runVerdict, stageRows, type RunVerdict } from '../core/stage-table.ts';

/**
 * The terminal's stage table: Stage | Status | In | Out | Duration (`table`), and in `lines` the table
 * followed by a total line such as `6/6 PASS` and the run's id and status.
 */
export function renderRunTable(run: Run): { lines: string[]; table: string[]; passed: number; failed: boolean; verdict: RunVerdict } {
  const stageRowsOfRun = stageRows(run);
  const rows = stageRowsOfRun.map((s) => [s.stage, s.status, String(s.in), String(s.out), `${(s.duration_ms / 1000).toFixed(2)}s`]);
  const header = ['Stage', 'Status', 'In', 'Out', 'Duration'];
  const widths = columnWidths([header, ...rows]);
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const { passed, verdict } = runVerdict(run, stageRowsOfRun);
  const table = [line(header), rule, ...rows.map(line)];
  const lines = [...table, '', `${passed}/${rows.length} ${verdict}`, `run id: ${run.id}  status: ${run.status}`];
  return { lines, table, passed, failed: verdict === 'FAIL', verdict };
}
