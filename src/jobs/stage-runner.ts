import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Stage } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';

/** Moves the job to the delayed set without using an attempt, so no worker slot is held while waiting. */
export async function park(job: Job, token: string | undefined, untilMs: number): Promise<never> {
  await job.moveToDelayed(Math.max(untilMs, Date.now() + 1), token);
  throw new DelayedError();
}

/** How long a job waits before looking again while the emergency stop is on. */
export const STOPPED_RECHECK_MS = 5_000;

/**
 * Runs one stage for one lead with the bookkeeping every stage shares: the lead is counted in once,
 * and a final failure is counted as an error and ends the lead, so in = out + dropped + errors.
 * Stages that finish at once (`countInFirst: false`) are counted in when they count the lead out.
 */
export async function runLeadStage(
  stage: Exclude<Stage, 'scrape'>,
  job: Job<LeadJobData>,
  deps: PipelineDeps,
  body: () => Promise<void>,
  options: { countInFirst?: boolean } = {},
): Promise<void> {
  const { runId, ref } = job.data;
  if (options.countInFirst ?? true) await deps.store.stageIn(runId, stage, ref);
  try {
    await body();
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    const attempts = job.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= attempts;
    deps.logger.warn({ err, stage, lead: ref, attempt: job.attemptsMade + 1, final }, 'stage failed');
    if (final) {
      await deps.store.updateLead(ref, { state: 'failed' }).catch(() => undefined);
      await deps.store.leadOut(runId, stage, ref, 'errors', true);
      await deps.notifier.runUpdated(runId);
    }
    throw err;
  }
}

/** Parks the job while the emergency stop is on: no outbound call may be made. */
export async function waitWhileStopped(job: Job, token: string | undefined, deps: PipelineDeps): Promise<void> {
  const stop = await deps.emergency.recentState();
  if (stop.stopped) await park(job, token, Date.now() + STOPPED_RECHECK_MS);
}

/** Ends a lead at this stage (dropped or done): counted once, and the run's status refreshed. */
export async function finishLead(deps: Pick<PipelineDeps, 'store' | 'notifier'>, runId: string, ref: string, stage: Exclude<Stage, 'scrape'>, outcome: 'out' | 'dropped'): Promise<void> {
  await deps.store.leadOut(runId, stage, ref, outcome, true);
  await deps.notifier.runUpdated(runId);
}

/** The lead passed this stage (the next stage's job is already queued). */
export async function passLead(deps: Pick<PipelineDeps, 'store'>, runId: string, ref: string, stage: Exclude<Stage, 'scrape'>): Promise<void> {
  await deps.store.leadOut(runId, stage, ref, 'out', false);
}

export async function requireLead(deps: PipelineDeps, ref: string) {
  const lead = await deps.store.getLead(ref);
  if (!lead) throw new UnrecoverableError(`lead ${ref} not found`);
  return lead;
}
