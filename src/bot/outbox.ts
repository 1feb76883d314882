import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { NotifierBase } from '../context.ts';
import type { SlackConfig } from '../core/config.ts';
import type { AlertLevel, BreakerTransition, Notifier } from '../core/notifier.ts';
import { bullPrefix, safeId } from '../core/queue.ts';

export const OUTBOX_QUEUE = 'slack-outbox';

/** One outbound Slack message; ids only, so the worker renders fresh state and no PII sits in jobs. */
export type OutboxJob =
  | { kind: 'approval'; id: string }
  | { kind: 'decided'; id: string }
  | { kind: 'run'; runId: string }
  | { kind: 'alert'; level: AlertLevel; text: string; details?: Record<string, unknown> | undefined }
  | { kind: 'breaker'; provider: string }
  | { kind: 'reply'; id: string }
  | { kind: 'reply-decided'; id: string }
  | { kind: 'autonomy'; id: string };

export function outboxJobOptions(slack: SlackConfig): JobsOptions {
  return {
    attempts: slack.outbox_attempts,
    backoff: { type: 'exponential', delay: slack.outbox_backoff_ms },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function createOutboxQueue(base: Pick<NotifierBase, 'redis' | 'keys' | 'config'>): Queue<OutboxJob> {
  return new Queue<OutboxJob>(OUTBOX_QUEUE, {
    connection: base.redis,
    prefix: bullPrefix(base.keys.prefix),
    defaultJobOptions: outboxJobOptions(base.config.slack),
  });
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/**
 * The Slack notifier: every message goes onto the outbox queue with an idempotent job id, and a
 * worker posts it. Slack being slow, rate-limited or down never blocks the pipeline.
 */
export function createSlackNotifier(base: NotifierBase): Notifier & { queue: Queue<OutboxJob> } {
  const { logger, redis, config } = base;
  const queue = createOutboxQueue(base);
  const keys = base.keys.slack;
  const interval = config.slack.run_update_interval_ms;
  // Which run-update window this process already queued: saves a Redis call per pipeline event.
  const queuedWindow = new Map<string, number>();

  async function add(jobId: string, data: OutboxJob, opts: JobsOptions = {}): Promise<void> {
    try {
      await queue.add(data.kind, data, { jobId, ...opts });
    } catch (err) {
      // The pipeline must go on even when the outbox cannot take a message.
      logger.error({ err, jobId }, 'could not queue a Slack message');
    }
  }

  return {
    queue,
    async approvalRequested(approval) {
      await add(`approval-${safeId(approval.id)}`, { kind: 'approval', id: approval.id });
    },
    async approvalDecided(approval) {
      await add(`decided-${safeId(approval.id)}`, { kind: 'decided', id: approval.id });
    },
    async runUpdated(runId) {
      // Coalesced: one delayed job per run and window renders the latest state when it runs.
      const window = Math.floor(Date.now() / interval);
      if (queuedWindow.get(runId) === window) return;
      queuedWindow.set(runId, window);
      if (queuedWindow.size > 1_000) queuedWindow.clear();
      await add(`run-${safeId(runId)}-${window}`, { kind: 'run', runId }, { delay: interval, removeOnComplete: { age: 3600 } });
    },
    async alert(level, text, details) {
      // The same alert within the dedupe window is one job, so it is posted once.
      await add(`alert-${hash(`${level}|${text}`)}`, { kind: 'alert', level, text, details }, { removeOnComplete: { age: config.slack.alert_dedupe_s } });
    },
    async breakerTransition(t: BreakerTransition) {
      const eventId = `${t.provider}|${t.from}|${t.to}|${t.at}`;
      try {
        // Transitions queue up per provider in order; a repeated report of the same one is ignored.
        const fresh = await redis.sadd(keys.breakerSeen, eventId);
        if (fresh === 0) return;
        await redis.expire(keys.breakerSeen, 7 * 24 * 3600);
        await redis.rpush(keys.breakerEvents(t.provider), JSON.stringify(t));
      } catch (err) {
        logger.error({ err, transition: t }, 'could not record a breaker transition for Slack');
        return;
      }
      await add(`breaker-${safeId(t.provider)}-${hash(eventId)}`, { kind: 'breaker', provider: t.provider });
    },
    async replyReceived(replyId) {
      // One job per reply: a redelivered webhook or a retried processor posts nothing twice.
      await add(`reply-${safeId(replyId)}`, { kind: 'reply', id: replyId });
    },
    async replyDecided(replyId) {
      await add(`reply-decided-${safeId(replyId)}`, { kind: 'reply-decided', id: replyId });
    },
    async autonomyProposal(id, status) {
      // One job per proposal and state: posted once, updated once per decision.
      await add(`autonomy-${safeId(id)}-${status}`, { kind: 'autonomy', id });
    },
    async close() {
      await queue.close();
    },
  };
}
