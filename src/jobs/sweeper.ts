import { randomUUID } from 'node:crypto';
import type { ApprovalService } from './approval-service.ts';
import type { PipelineDeps } from './deps.ts';
import { failStrandedLead } from './job-failures.ts';
import { leadJobId } from './queues.ts';

/** What one sweep did. */
export interface SweepResult {
  runs: number;
  /** Leads set moving again: a lost send job re-added, or a decision applied that never was. */
  resumed: number;
  /** Leads whose send job had failed without the lead being ended: now failed, counted once. */
  failed: number;
}

export interface Sweeper {
  /** One sweep now (a timer calls it too; tests call it directly). */
  sweep(): Promise<SweepResult>;
  close(): Promise<void>;
}

/** Leads looked at in parallel: keeps a 10,000-lead run's sweep to a few hundred round trips. */
const CHUNK = 100;

const FINISHED_LEAD = ['sent', 'shadowed', 'skipped', 'failed', 'rejected'];

async function inChunks<T>(items: T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await Promise.all(items.slice(i, i + CHUNK).map(each));
}

/**
 * Finds leads stranded after approval and moves them on or ends them, so no run waits forever:
 *  - a lead still waiting for approval whose approval was decided (the deciding process died
 *    before the lead moved on) gets the decision applied;
 *  - a lead in the send stage whose send job is gone (or completed without ending the lead) gets
 *    its send job again, under the same deterministic id; the safety gate makes the re-run safe;
 *  - a lead whose send job failed without the failure being routed (the process died first)
 *    ends `failed`, counted as a send error once.
 * A WARNING alert says how many. It reads only the open runs' small index sets (`sending`,
 * `awaiting`) and one job hash field per lead in the send stage; every write is idempotent, so a
 * second process sweeping at the same moment changes nothing.
 *
 * Every worker process runs the timer; a Redis lock that lives for one interval lets only one of
 * them sweep per interval, cluster-wide.
 */
export function startSweeper(deps: PipelineDeps, service: ApprovalService): Sweeper {
  const { config, store, queues, approvals, redis, logger, notifier } = deps;
  const intervalMs = config.pipeline.sweep_ms;
  // A lead just approved may be counted into the send stage a moment before its job is added,
  // and a failure is routed a moment after BullMQ records it: only older leftovers are stranded.
  const graceMs = Math.min(intervalMs, 5_000);
  // Per provider mode: a sandbox worker must never move a live run's leads, nor a live one a sandbox run's.
  const lockKey = deps.keys.sweeperLock(deps.providers.kind);
  const token = randomUUID();
  const sendQueue = queues.byStage.send;
  let sweeping: Promise<SweepResult> | null = null;

  async function resumeDecisions(runId: string, now: number): Promise<number> {
    const awaiting = await store.awaitingRefs(runId);
    if (awaiting.length === 0) return 0;
    const decided = (await approvals.decisionsOf(awaiting)).filter((d) => d.decided_at === null || now - Date.parse(d.decided_at) >= graceMs);
    let resumed = 0;
    await inChunks(decided, async ({ id }) => {
      const approval = await approvals.get(id);
      if (!approval || approval.status === 'pending') return;
      await service.applyDecision(approval);
      // applyDecision clears `awaiting` only for a lead it finds waiting; one that had moved on
      // before the crash must leave the set too, or it would be found again every sweep.
      await store.setAwaiting(runId, approval.leadRef, false);
      resumed++;
    });
    return resumed;
  }

  async function sweepSending(runId: string, now: number): Promise<{ resumed: number; failed: number }> {
    const refs = await store.sendingRefs(runId);
    const result = { resumed: 0, failed: 0 };
    await inChunks(refs, async (ref) => {
      const jobId = leadJobId(ref, 'send');
      // One hash read: a live job (waiting, active, delayed, retrying) has no finishedOn.
      const [timestamp, finishedOn] = await redis.hmget(sendQueue.toKey(jobId), 'timestamp', 'finishedOn');
      if (timestamp !== null && finishedOn === null) return;
      if (finishedOn !== null && now - Number(finishedOn) < graceMs) return;
      const lead = await store.getLead(ref);
      // Ended meanwhile (the index is updated in the same step as the lead's end).
      if (!lead || FINISHED_LEAD.includes(lead.state)) return;
      if (timestamp === null && now - Date.parse(lead.updated_at) < graceMs) return;
      const state = timestamp === null ? 'unknown' : await sendQueue.getJobState(jobId);
      if (state === 'failed') {
        if (await failStrandedLead(deps, runId, 'send', ref, 'send job failed and the failure was never routed')) result.failed++;
        return;
      }
      // Lost, or completed without ending the lead: run the send again under the same id.
      if (state === 'completed') await sendQueue.remove(jobId);
      await queues.addLeadJob('send', { runId, ref });
      logger.warn({ run: runId, lead: ref, job_state: state }, 'sweeper re-added the send job of a stranded lead');
      result.resumed++;
    });
    return result;
  }

  async function sweep(): Promise<SweepResult> {
    const now = Date.now();
    // Older runs' failed job records are gone (kept keep_jobs_s × 2), so nothing more can be told.
    const horizon = now - config.pipeline.keep_jobs_s * 2 * 1000;
    const runs = (await store.openRuns(horizon)).filter((r) => r.providers === null || r.providers === deps.providers.kind);
    const result: SweepResult = { runs: runs.length, resumed: 0, failed: 0 };
    for (const run of runs) {
      result.resumed += await resumeDecisions(run.id, now);
      const sending = await sweepSending(run.id, now);
      result.resumed += sending.resumed;
      result.failed += sending.failed;
      // Cheap, and lets a run whose last lead ended without a refresh reach completed.
      await store.refreshRunStatus(run.id);
    }
    if (result.resumed + result.failed > 0) {
      const s = (n: number) => (n === 1 ? '' : 's');
      await notifier.alert('WARNING', `${result.failed} stranded lead${s(result.failed)} failed and ${result.resumed} resumed by the sweeper`, { failed: result.failed, resumed: result.resumed });
    }
    return result;
  }

  async function tick(): Promise<void> {
    if (sweeping) return;
    // Held for (almost) one interval and not released: at most one sweep per interval in the
    // cluster. It ends a little early so timer drift never makes the holder's next tick miss it.
    const won = await redis.set(lockKey, token, 'PX', Math.max(50, intervalMs - Math.min(1_000, intervalMs / 10)), 'NX');
    if (won !== 'OK') return;
    sweeping = sweep();
    try {
      const result = await sweeping;
      if (result.resumed + result.failed > 0) logger.warn({ ...result }, 'sweeper moved stranded leads');
    } finally {
      sweeping = null;
    }
  }

  const timer = setInterval(() => void tick().catch((err: unknown) => logger.error({ err }, 'sweep failed')), intervalMs);
  timer.unref();
  return {
    sweep,
    async close() {
      clearInterval(timer);
      await sweeping?.catch(() => undefined);
    },
  };
}
