import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { park } from '../core/queue.ts';
import type { Lead, ProviderMode, Stage } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData } from './queues.ts';

/** How long a job of the other provider mode waits for a worker of its own mode to take it. */
export const OTHER_MODE_RECHECK_MS = 5_000;

/**
 * A sandbox run's jobs must never be worked by live workers (real provider calls for made-up
 * people), nor a live run's by sandbox workers (approvals decided and emails shadowed by sandbox
 * settings). A worker that meets a job of the other mode parks it for a worker of that mode.
 */
export async function parkIfOtherMode(job: Job, token: string | undefined, deps: Pick<PipelineDeps, 'providers' | 'logger'>, mode: ProviderMode | undefined): Promise<void> {
  if (mode === undefined || mode === deps.providers.kind) return;
  deps.logger.warn({ job: job.id, job_mode: mode, worker_mode: deps.providers.kind }, 'job of the other provider mode left for a matching worker');
  await park(job, token, Date.now() + OTHER_MODE_RECHECK_MS);
}

/**
 * Runs one stage for one lead with the bookkeeping every stage shares: the lead is counted in once,
 * and a final failure is counted as an error and ends the lead, so in = out + dropped + errors.
 * Stages that finish at once (`countInFirst: false`) are counted in when they count the lead out.
 */
export async function runLeadStage(
  stage: Exclude<Stage, 'scrape'>,
  job: Job<LeadJobData>,
  deps: PipelineDeps,
  body: (lead: Lead) => Promise<void>,
  options: { countInFirst?: boolean; token?: string | undefined; omit?: readonly (keyof Lead)[] } = {},
): Promise<void> {
  const { runId, ref } = job.data;
  // Reading the lead and counting it in are one step. (Counting in is once per lead, so a worker
  // of the other mode that parks the job changes no figure.)
  const lead = await deps.store.enterStage(runId, stage, ref, options.countInFirst ?? true, options.omit);
  if (!lead) throw new UnrecoverableError(`lead ${ref} not found`);
  await parkIfOtherMode(job, options.token, deps, lead.providers);
  try {
    await body(lead);
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

/**
 * Ends a lead at this stage (dropped or done): its last change (`patch`, if any) and its count in
 * one step, then the run's status refreshed.
 */
export async function finishLead(deps: Pick<PipelineDeps, 'store' | 'notifier'>, lead: Lead, stage: Exclude<Stage, 'scrape'>, outcome: 'out' | 'dropped', patch?: Partial<Lead>): Promise<void> {
  await deps.store.leadOut(lead.runId, stage, lead.ref, outcome, true, patch ? { patch, known: lead } : undefined);
  await deps.notifier.runUpdated(lead.runId);
}

/**
 * Hands the lead to the next stage: its change and its count out of this one in one step, then the
 * next stage's job (which reads the lead, so it comes after). Both are idempotent (counted-once
 * sets, job id), so a retry repeats them harmlessly.
 */
export async function handOn(deps: Pick<PipelineDeps, 'store' | 'queues'>, lead: Lead, from: Exclude<Stage, 'scrape' | 'send'>, to: Exclude<Stage, 'scrape'>, patch: Partial<Lead>): Promise<void> {
  await deps.store.leadOut(lead.runId, from, lead.ref, 'out', false, { patch, known: lead });
  await deps.queues.addLeadJob(to, { runId: lead.runId, ref: lead.ref });
}
