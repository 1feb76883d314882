import { MAX_LEADS, RUN_SOURCES } from '../jobs/runs.ts';

/** The help text; with a problem it names what was wrong first. */
export function helpText(problem?: string): string {
  const lines = [
    ...(problem ? [`:warning: ${problem}`, ''] : []),
    '*CAIO commands*',
    `• \`/caio run [source] [--leads N]\` — start a run (sources: ${RUN_SOURCES.join(', ')}; N from 1 to ${MAX_LEADS})`,
    '• `/caio status` — emergency state, sends today, queue depths, last runs',
    '• `/caio stop [reason]` — EMERGENCY STOP: halt every outbound call and pause the queues',
    '• `/caio resume` — clear the stop and resume the queues',
    '• `/caio config` — the safety policy every CAIO process follows (approvers can change it)',
    '• `/caio autonomy` — the autonomy score, every graduation gate and the segments that earned auto-approval',
    '• `/caio anneal` — compare outcomes across the ICP features now and post a weight proposal (approvers)',
    '• `/caio help` — this help',
    'Only approvers (CAIO_APPROVERS) may run, stop and resume.',
  ];
  return lines.join('\n');
}
