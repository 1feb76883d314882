import { describe, expect, it } from 'vitest';
import { stageTable } from '../../src/bot/blocks-control.ts';
import { renderRunTable } from '../../src/cli/run-table.ts';
import { columnWidths, runVerdict, stageRows, stageStatus } from '../../src/core/stage-table.ts';
import type { Run, StageStats } from '../../src/core/store.ts';
import { STAGES } from '../../src/core/types.ts';

const done = (n: number): StageStats => ({ in: n, out: n, dropped: 0, errors: 0, started_at: 0, ended_at: 1200, duration_ms: 1200 });

function makeRun(overrides: Partial<Run> = {}, stages: Partial<Run['stages']> = {}): Run {
  return {
    id: 'run_20260101_000000_abcdef', source: 'default', limit: 10, started_by: 'cli:ops', created_at: '2026-01-01T00:00:00.000Z', finished_at: null,
    status: 'completed', total: 10, terminal: 10, awaiting: 0, held: 0, error: null, slack_channel: null, providers: 'sandbox', slack_ts: null,
    stages: { ...(Object.fromEntries(STAGES.map((s) => [s, done(10)])) as Run['stages']), ...stages },
    ...overrides,
  };
}

describe('stageStatus', () => {
  it('names each state of a stage, an error outranking the rest', () => {
    const run = makeRun({ status: 'running', awaiting: 2, held: 1 });
    expect(stageStatus('scrape', done(10), run)).toBe('PASS');
    expect(stageStatus('approve', done(10), run)).toBe('WAIT');
    expect(stageStatus('send', done(10), run)).toBe('HOLD');
    expect(stageStatus('enrich', { ...done(10), out: 4, dropped: 1 }, run)).toBe('RUN');
    expect(stageStatus('enrich', { ...done(10), out: 4 }, { ...run, status: 'stopped' })).toBe('STOP');
    expect(stageStatus('approve', { ...done(10), errors: 1 }, run)).toBe('FAIL');
  });

  it('counts dropped leads as through the stage', () => {
    expect(stageStatus('segment', { ...done(10), out: 7, dropped: 3 }, makeRun())).toBe('PASS');
  });
});

describe('stageRows and runVerdict', () => {
  it('gives one row per stage in pipeline order with its numbers', () => {
    const rows = stageRows(makeRun({}, { enrich: { ...done(10), out: 8, dropped: 2, duration_ms: 1500 } }));
    expect(rows.map((r) => r.stage)).toEqual([...STAGES]);
    expect(rows[1]).toEqual({ stage: 'enrich', status: 'PASS', in: 10, out: 8, dropped: 2, errors: 0, duration_ms: 1500 });
  });

  it('is PASS only when every stage passed, FAIL on any failure or a failed run, else INCOMPLETE', () => {
    expect(runVerdict(makeRun())).toEqual({ passed: 6, verdict: 'PASS' });
    expect(runVerdict(makeRun({ status: 'awaiting_approval', awaiting: 3 }))).toEqual({ passed: 5, verdict: 'INCOMPLETE' });
    expect(runVerdict(makeRun({ status: 'running' }, { send: { ...done(10), out: 2 } }))).toEqual({ passed: 5, verdict: 'INCOMPLETE' });
    expect(runVerdict(makeRun({}, { craft: { ...done(10), errors: 1 } })).verdict).toBe('FAIL');
    expect(runVerdict(makeRun({ status: 'failed' })).verdict).toBe('FAIL');
  });
});

describe('columnWidths', () => {
  it('is the widest cell of each column, ragged rows included', () => {
    expect(columnWidths([['stage', 'in'], ['approve', '1000', 'x']])).toEqual([7, 4, 1]);
    expect(columnWidths([])).toEqual([]);
  });
});

describe('both surfaces render the same rows', () => {
  const run = makeRun({ status: 'running', awaiting: 4 }, { craft: { ...done(10), out: 6, dropped: 1, duration_ms: 2500 } });

  it('the terminal table shows each status and a verdict line', () => {
    const { lines, verdict } = renderRunTable(run);
    expect(lines).toContain('| craft   | RUN    | 10 | 6   | 2.50s    |');
    expect(lines).toContain('| approve | WAIT   | 10 | 10  | 1.20s    |');
    expect(lines).toContain('4/6 INCOMPLETE');
    expect(verdict).toBe('INCOMPLETE');
  });

  it("Slack's table keeps its columns: stage, in, out, dropped, errors, time", () => {
    expect(stageTable(run)).toBe(
      '```\n' +
        ['stage    in  out  dropped  errors  time', 'scrape   10   10        0       0  1.2s', 'enrich   10   10        0       0  1.2s', 'segment  10   10        0       0  1.2s',
          'craft    10    6        1       0  2.5s', 'approve  10   10        0       0  1.2s', 'send     10   10        0       0  1.2s'].join('\n') +
        '\n```',
    );
  });
});
