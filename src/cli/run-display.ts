import type { Run } from '../core/store.ts';
import type { Out } from './command.ts';
import { renderRunTable } from './run-table.ts';

/** A terminal redraw at most four times a second: faster only flickers. */
export const REDRAW_EVERY_MS = 250;

// ANSI: move the cursor up N lines, then clear from there to the end of the screen.
const up = (lines: number) => `\u001b[${lines}A\u001b[0J`;

/** One line of progress for logs and CI, e.g. `run_… running: 37/100 done, 5 awaiting`. */
export function progressLine(run: Run): string {
  return `${run.id} ${run.status}: ${run.terminal}/${run.total ?? '?'} done, ${run.awaiting} awaiting${run.held > 0 ? `, ${run.held} held` : ''}`;
}

/** Shows a long `caio run` while it runs: the table redrawn in place on a terminal, a progress line otherwise. */
export interface RunDisplay {
  /** The run as last read; shown when enough time has passed since the last show. */
  update(run: Run, now: number): void;
  /** Replaces whatever was drawn with the final table; returns it for the exit code. */
  finish(run: Run): ReturnType<typeof renderRunTable>;
}

export function createRunDisplay(out: Out, options: { progressEveryMs: number; start: number }): RunDisplay {
  let drawnLines = 0;
  let drawnText = '';
  let lastShown = options.start;
  // Redraw on stdout only when stdout is a terminal; a pipe or file gets plain progress lines on stderr.
  const draw = (lines: string[]) => {
    out.log(`${drawnLines > 0 ? up(drawnLines) : ''}${lines.join('\n')}`);
    drawnLines = lines.length;
    drawnText = lines.join('\n');
  };
  return {
    update(run, now) {
      if (out.tty) {
        if (now - lastShown < REDRAW_EVERY_MS) return;
        // While it runs, the progress line stands where the verdict will: INCOMPLETE would be premature.
        const lines = [...renderRunTable(run).table, '', progressLine(run)];
        if (lines.join('\n') !== drawnText) draw(lines);
      } else {
        if (now - lastShown < options.progressEveryMs) return;
        out.error(progressLine(run));
      }
      lastShown = now;
    },
    finish(run) {
      const table = renderRunTable(run);
      if (out.tty && drawnLines > 0) draw(table.lines);
      else table.lines.forEach((l) => out.log(l));
      return table;
    },
  };
}
