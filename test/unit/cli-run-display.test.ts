import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Out } from '../../src/cli/command.ts';
import { createRunDisplay, progressLine, REDRAW_EVERY_MS } from '../../src/cli/run-display.ts';
import type { Run, StageStats } from '../../src/core/store.ts';
import { STAGES } from '../../src/core/types.ts';

const stats = (n: number, out = n): StageStats => ({ in: n, out, dropped: 0, errors: 0, started_at: 0, ended_at: 100, duration_ms: 100 });

function makeRun(terminal: number, overrides: Partial<Run> = {}): Run {
  return {
    id: 'run_20260101_000000_abcdef', source: 'default', limit: 100, started_by: 'cli:ops', created_at: '2026-01-01T00:00:00.000Z', finished_at: null,
    status: 'running', total: 100, terminal, awaiting: 0, held: 0, error: null, slack_channel: null, providers: 'sandbox', slack_ts: null,
    stages: Object.fromEntries(STAGES.map((s) => [s, stats(100, terminal)])) as Run['stages'],
    ...overrides,
  };
}

function recorder(tty: boolean): Out & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { tty, stdout, stderr, log: (l) => stdout.push(l), error: (l) => stderr.push(l) };
}

const ESC = '\u001b';
/** The ANSI prefix of a redraw: cursor up N lines, then clear to the end of the screen. */
const upAndClear = (lines: number) => `${ESC}[${lines}A${ESC}[0J`;

describe('progressLine', () => {
  it('says the run, its status, how many leads are done and how many await a person', () => {
    expect(progressLine(makeRun(37, { awaiting: 5 }))).toBe('run_20260101_000000_abcdef running: 37/100 done, 5 awaiting');
    expect(progressLine(makeRun(0, { total: null, held: 2 }))).toBe('run_20260101_000000_abcdef running: 0/? done, 0 awaiting, 2 held');
  });
});

describe('a long run on a terminal', () => {
  it('redraws the table in place, at most four times a second and only when it changed', () => {
    const out = recorder(true);
    const display = createRunDisplay(out, { progressEveryMs: 5000, start: 0 });
    display.update(makeRun(1), 100); // too soon after the start
    expect(out.stdout).toHaveLength(0);
    display.update(makeRun(1), REDRAW_EVERY_MS);
    expect(out.stdout).toHaveLength(1);
    expect(out.stdout[0]).not.toContain(ESC);
    const firstHeight = out.stdout[0]!.split('\n').length;
    display.update(makeRun(2), REDRAW_EVERY_MS + 100); // throttled
    display.update(makeRun(1), REDRAW_EVERY_MS * 2); // unchanged
    expect(out.stdout).toHaveLength(1);
    display.update(makeRun(3), REDRAW_EVERY_MS * 3);
    expect(out.stdout).toHaveLength(2);
    expect(out.stdout[1]!.startsWith(upAndClear(firstHeight))).toBe(true);
    expect(out.stdout[1]).toContain('running: 3/100 done');

    const table = display.finish(makeRun(100, { status: 'completed' }));
    expect(table.verdict).toBe('PASS');
    expect(out.stdout).toHaveLength(3);
    expect(out.stdout[2]!.startsWith(upAndClear(out.stdout[1]!.split('\n').length))).toBe(true);
    expect(out.stdout[2]).toMatch(/6\/6 PASS/);
    expect(out.stderr).toHaveLength(0);
  });
});

describe('a long run piped to a file or CI', () => {
  it('prints a progress line on stderr every interval and the table once at the end, with no escape codes', () => {
    const out = recorder(false);
    const display = createRunDisplay(out, { progressEveryMs: 5000, start: 0 });
    for (let t = 100; t <= 12_000; t += 100) display.update(makeRun(Math.floor(t / 200)), t);
    expect(out.stderr).toEqual(['run_20260101_000000_abcdef running: 25/100 done, 0 awaiting', 'run_20260101_000000_abcdef running: 50/100 done, 0 awaiting']);
    expect(out.stdout).toHaveLength(0);
    const table = display.finish(makeRun(60, { status: 'awaiting_approval', awaiting: 40 }));
    expect(table.verdict).toBe('INCOMPLETE');
    expect(out.stdout.join('\n')).not.toContain(ESC);
    expect(out.stdout).toContain('0/6 INCOMPLETE');
  });
});

describe('the CLI sources', () => {
  it('never assign to process.env: overrides reach the config loader as a copy', () => {
    const root = resolve(import.meta.dirname, '../../src');
    const files = ['cli.ts', ...readdirSync(join(root, 'cli')).map((f) => join('cli', f))];
    for (const file of files) expect(readFileSync(join(root, file), 'utf8'), file).not.toMatch(/process\.env(\.\w+|\[[^\]]+\])?\s*(=[^=]|\+=|\?\?=|\|\|=)|delete\s+process\.env/);
  });
});
