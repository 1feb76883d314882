import type { Job } from 'bullmq';
import type { LeadState, Stage } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { LeadJobData, ScrapeJobData } from './queues.ts';

type FailureDeps = Pick<PipelineDeps, 'store' | 'notifier' | 'logger'>;
type RoutingDeps = FailureDeps & Pick<PipelineDeps, 'queues'>;

/**
 * A send that stalled out may already have reached Instantly: failing the lead would show
 * "failed" for someone who is being emailed. A fresh send job is safe (a `reserved` key looks the
 * lead up at Instantly before adding), so it is given this many more tries before the lead fails.
 */
export const SEND_STALL_RETRIES = 3;

/** How a lead that already reached one of these states is counted out when its job fails late. */
const SETTLED: Partial<Record<LeadState, 'out' | 'dropped'>> = { sent: 'out', shadowed: 'out', skipped: 'dropped', rejected: 'dropped' };

/**
 * Ends a lead whose stage job failed for good without the stage runner counting it (BullMQ failed
 * it after too many stalls, or the worker died before its bookkeeping): the lead becomes `failed`
 * and is counted as an error out of the stage once, and the run's status is refreshed so it can
 * finish. A lead already counted out of the stage is left alone; one that had already been sent
 * (or shadowed, skipped, rejected) keeps that state and is counted with that outcome.
 * Returns whether this call ended the lead.
 */
export async function failStrandedLead(deps: FailureDeps, runId: string, stage: Exclude<Stage, 'scrape'>, ref: string, reason: string): Promise<boolean> {
  const { store } = deps;
  if (await store.hasLeftStage(runId, stage, ref)) return false;
  const lead = await store.getLead(ref);
  if (!lead) return false;
  const settled = SETTLED[lead.state];
  if (settled) {
    await store.leadOut(runId, stage, ref, settled, true);
  } else {
    await store.updateLead(ref, { state: 'failed' }, lead);
    await store.leadOut(runId, stage, ref, 'errors', true);
  }
  deps.logger.warn({ stage, lead: ref, reason, state: settled ? lead.state : 'failed' }, 'lead ended after its job failed outside the stage runner');
  await deps.notifier.runUpdated(runId);
  return true;
}

/**
 * Routes every final failure of a pipeline job back to the lead and the run. The stage runner
 * already does this for failures it sees; this catches the ones it cannot see: BullMQ failing a
 * job that stalled more than `max_stalled` times ("job stalled more than allowable limit") fails
 * it in whichever worker picks it up next, without running our processor. Idempotent, so a
 * failure the runner counted is not counted again.
 */
export async function routeFailedJob(deps: RoutingDeps, stage: Stage, job: Job | undefined, err: Error): Promise<void> {
  // Not final (BullMQ will retry it) unless BullMQ marked it finished.
  if (!job?.finishedOn) return;
  if (stage === 'scrape') {
    const { runId } = job.data as ScrapeJobData;
    const run = await deps.store.getRun(runId);
    // A scrape that got as far as recording the total has queued its leads; otherwise nothing will.
    if (!run || run.total !== null || run.status === 'failed') return;
    await deps.store.setRunStatus(runId, 'failed', `scrape failed: ${err.message}`);
    deps.logger.warn({ run: runId, reason: err.message }, 'scrape job failed outside its processor: run failed');
    await deps.notifier.runUpdated(runId);
    return;
  }
  const { runId, ref } = job.data as LeadJobData;
  if (stage === 'send' && /stalled/i.test(err.message) && (await retrySend(deps, job, ref))) return;
  await failStrandedLead(deps, runId, stage, ref, err.message);
}

/** Replaces a stalled-out send job with a fresh one under the same id, a bounded number of times. */
async function retrySend(deps: RoutingDeps, job: Job, ref: string): Promise<boolean> {
  const tries = await deps.store.countSendStall(ref);
  if (tries > SEND_STALL_RETRIES) return false;
  await job.remove().catch(() => undefined);
  await deps.queues.addLeadJob('send', job.data as LeadJobData);
  deps.logger.warn({ lead: ref, tries }, 'send job stalled out: queued again (the reserved key is looked up at Instantly first)');
  return true;
}
