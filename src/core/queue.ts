import { DelayedError, type Job, type JobsOptions } from 'bullmq';
import type { PipelineConfig } from './config.ts';
import type { Emergency } from './emergency.ts';

/**
 * Queue primitives every folder shares (pipeline stages, webhooks, the Slack outbox): the key
 * prefix, default job options, stalled-job handling, and parking a job without using an attempt.
 */

/** BullMQ keys live beside ours under the same prefix. */
export function bullPrefix(prefix: string): string {
  return `${prefix}:bull`;
}

/** BullMQ job ids must not contain `:` nor be only digits. */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function defaultJobOptions(pipeline: PipelineConfig): JobsOptions {
  return {
    attempts: pipeline.attempts,
    backoff: { type: 'exponential', delay: pipeline.backoff_ms },
    // Completed jobs stay long enough that re-adding the same id is ignored rather than re-run.
    removeOnComplete: { age: pipeline.keep_jobs_s },
    removeOnFail: { age: pipeline.keep_jobs_s * 2 },
  };
}

/** Moves the job to the delayed set without using an attempt, so no worker slot is held while waiting. */
export async function park(job: Job, token: string | undefined, untilMs: number): Promise<never> {
  await job.moveToDelayed(Math.max(untilMs, Date.now() + 1), token);
  throw new DelayedError();
}

/** How long a job waits before looking again while the emergency stop is on. */
export const STOPPED_RECHECK_MS = 5_000;

/** Parks the job while the emergency stop is on: no outbound call may be made. */
export async function waitWhileStopped(job: Job, token: string | undefined, deps: { emergency: Pick<Emergency, 'recentState'> }): Promise<void> {
  const stop = await deps.emergency.recentState();
  if (stop.stopped) await park(job, token, Date.now() + STOPPED_RECHECK_MS);
}

/**
 * How BullMQ treats a job whose worker died holding it (shared by every worker of ours):
 *  - `lockDuration` = `pipeline.lock_ms`: a live worker renews its lock every half of it, so only
 *    a dead (or frozen) worker loses a job; its jobs are taken over after about lock_ms to
 *    2 × lock_ms (`stalledInterval` = lock_ms is how often the check runs).
 *  - `maxStalledCount` = `pipeline.max_stalled` (default 3) instead of BullMQ's 1: every job of
 *    ours is safe to run again (deterministic ids, counted-once sets, the send gate's idempotency
 *    key and Instantly lookup), so a few crashes or hard kills must not fail a lead; only a job
 *    that keeps killing its worker is failed, and that failure is routed like any other.
 */
export function stalledJobOptions(pipeline: PipelineConfig): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  return { lockDuration: pipeline.lock_ms, stalledInterval: pipeline.lock_ms, maxStalledCount: pipeline.max_stalled };
}

