import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AppContext } from '../context.ts';
import { approvalCard, decidedCard } from './blocks-approval.ts';
import { runMessage } from './blocks-control.ts';
import { replyCard, replyDecidedCard } from './blocks-reply.ts';
import { postProposalCard } from './autonomy-outbox.ts';
import { createReplies } from '../core/replies.ts';
import { postTransition, type ThreadPoster } from './breaker-thread.ts';
import { esc } from './format.ts';
import { createLocks } from './lock.ts';
import { OUTBOX_QUEUE, type OutboxJob } from './outbox.ts';
import { createOutboxClient, permanentSlackError, rateLimitedFor, type WebClient } from './slack-client.ts';
import { bullPrefix, park, stalledJobOptions } from '../core/queue.ts';

type OutboxDeps = Pick<AppContext, 'config' | 'logger' | 'redis' | 'keys' | 'store' | 'approvals' | 'emergency'>;

const LOCK_MS = 30_000;
const LOCK_BUSY_RETRY_MS = 200;

const LEVEL_ICON = { INFO: ':information_source:', WARNING: ':warning:', CRITICAL: ':rotating_light:' } as const;

export function alertText(job: Extract<OutboxJob, { kind: 'alert' }>): string {
  const by = typeof job.details?.by === 'string' && /^[UW][A-Z0-9]{2,}$/.test(job.details.by) ? ` (<@${job.details.by}>)` : '';
  return `${LEVEL_ICON[job.level]} *${job.level}* — ${esc(job.text)}${by}`;
}

/** Posts what the outbox holds. Every handler re-reads state, so a late or retried job shows the latest. */
export function createOutboxProcessor(deps: OutboxDeps, client: WebClient) {
  const { config, logger, redis, store, approvals, emergency } = deps;
  const keys = deps.keys.slack;
  const locks = createLocks(redis);
  const replies = createReplies(redis, deps.keys);
  const poster: ThreadPoster = {
    async post(args) {
      const res = await client.chat.postMessage(args);
      return { channel: String(res.channel), ts: String(res.ts) };
    },
    async update(args) {
      await client.chat.update(args);
    },
  };

  async function withLock(job: Job, token: string | undefined, name: string, body: () => Promise<void>): Promise<void> {
    const key = keys.lock(name);
    const held = await locks.acquire(key, LOCK_MS);
    if (!held) return park(job, token, Date.now() + LOCK_BUSY_RETRY_MS);
    try {
      await body();
    } finally {
      await locks.release(key, held);
    }
  }

  async function handle(job: Job<OutboxJob>, token: string | undefined): Promise<void> {
    const data = job.data;
    switch (data.kind) {
      case 'approval': {
        const approval = await approvals.get(data.id);
        if (!approval) return;
        const lead = await store.getLead(approval.leadRef);
        if (approval.slack_ts && approval.slack_channel) {
          if (approval.status !== 'pending') await client.chat.update({ channel: approval.slack_channel, ts: approval.slack_ts, ...decidedCard(approval, lead) });
          return;
        }
        const channel = config.env.SLACK_APPROVAL_CHANNEL;
        if (!channel) return void logger.warn({ approval: approval.id }, 'SLACK_APPROVAL_CHANNEL is unset: approval card not posted');
        const message = approval.status === 'pending' ? approvalCard(approval, lead) : decidedCard(approval, lead);
        const res = await client.chat.postMessage({ channel, ...message });
        await approvals.setSlackMessage(approval.id, String(res.channel), String(res.ts));
        return;
      }
      case 'decided': {
        const approval = await approvals.get(data.id);
        if (!approval || approval.status === 'pending') return;
        // The card job re-renders on its own if it has not posted yet; retry until it has.
        if (!approval.slack_ts || !approval.slack_channel) throw new Error(`approval ${approval.id} has no Slack message yet`);
        const lead = await store.getLead(approval.leadRef);
        await client.chat.update({ channel: approval.slack_channel, ts: approval.slack_ts, ...decidedCard(approval, lead) });
        return;
      }
      case 'run': {
        await withLock(job, token, `run-${data.runId}`, async () => {
          const run = await store.getRun(data.runId);
          if (!run?.slack_channel) return;
          const stop = await emergency.state();
          const message = runMessage(run, stop.stopped);
          if (run.slack_ts) {
            await client.chat.update({ channel: run.slack_channel, ts: run.slack_ts, ...message });
            return;
          }
          const res = await client.chat.postMessage({ channel: run.slack_channel, ...message });
          await store.setRunFields(run.id, { slack_channel: String(res.channel), slack_ts: String(res.ts) });
        });
        return;
      }
      case 'alert': {
        // INFO (a qualified website visitor, a call task) is for the sales team, not the on-call channel.
        const channel = data.level === 'INFO' ? (config.env.SLACK_APPROVAL_CHANNEL ?? config.env.SLACK_ALERT_CHANNEL) : config.env.SLACK_ALERT_CHANNEL;
        if (!channel) return void logger.warn({ alert: data.text }, 'no Slack channel for this alert: only logged');
        const marker = keys.posted(String(job.id));
        if (await redis.exists(marker)) return;
        await client.chat.postMessage({ channel, text: alertText(data) });
        await redis.set(marker, '1', 'EX', config.slack.alert_dedupe_s);
        return;
      }
      case 'reply': {
        const reply = await replies.get(data.id);
        if (!reply) return;
        const lead = await store.getLead(reply.ref);
        if (reply.slack_ts && reply.slack_channel) {
          if (reply.status !== 'new') await client.chat.update({ channel: reply.slack_channel, ts: reply.slack_ts, ...replyDecidedCard(reply, lead) });
          return;
        }
        const channel = config.env.SLACK_REPLIES_CHANNEL ?? config.env.SLACK_APPROVAL_CHANNEL;
        if (!channel) return void logger.warn({ reply: reply.id }, 'SLACK_REPLIES_CHANNEL and SLACK_APPROVAL_CHANNEL are unset: reply not posted');
        const message = reply.status === 'new' ? replyCard(reply, lead) : replyDecidedCard(reply, lead);
        const res = await client.chat.postMessage({ channel, ...message });
        await replies.setSlackMessage(reply.id, String(res.channel), String(res.ts));
        return;
      }
      case 'reply-decided': {
        const reply = await replies.get(data.id);
        if (!reply || reply.status === 'new') return;
        // The reply's own job posts the decided card if it has not posted yet; retry until it has.
        if (!reply.slack_ts || !reply.slack_channel) throw new Error(`reply ${reply.id} has no Slack message yet`);
        await client.chat.update({ channel: reply.slack_channel, ts: reply.slack_ts, ...replyDecidedCard(reply, await store.getLead(reply.ref)) });
        return;
      }
      case 'autonomy':
        // Locked: the card's post and its update after a click may run at once; one posts, the other updates.
        return withLock(job, token, `autonomy-${data.id}`, () => postProposalCard({ config, logger, redis, keys: deps.keys }, client, data.id));
      case 'breaker': {
        const channel = config.env.SLACK_ALERT_CHANNEL;
        await withLock(job, token, `breaker-${data.provider}`, async () => {
          const listKey = keys.breakerEvents(data.provider);
          // Drains every pending transition in order; an event leaves the list only once posted.
          for (;;) {
            const raw = await redis.lindex(listKey, 0);
            if (raw === null) return;
            if (channel) await postTransition({ redis, keys, logger, poster, channel }, JSON.parse(raw));
            else logger.warn({ transition: raw }, 'SLACK_ALERT_CHANNEL is unset: breaker transition only logged');
            await redis.lpop(listKey);
          }
        });
        return;
      }
    }
  }

  return async (job: Job<OutboxJob>, token?: string): Promise<void> => {
    try {
      await handle(job, token);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      const wait = rateLimitedFor(err);
      // Slack said 429: wait exactly Retry-After, without spending an attempt or a worker slot.
      if (wait !== null) {
        logger.warn({ job: job.id, retryAfter: wait }, 'Slack rate limit: waiting Retry-After');
        return park(job, token, Date.now() + wait * 1000);
      }
      const permanent = permanentSlackError(err);
      if (permanent) {
        logger.error({ job: job.id, slackError: permanent }, 'Slack refused a message for good: not retried (check the channel ids, token and scopes)');
        throw new UnrecoverableError(`Slack error ${permanent}`);
      }
      logger.warn({ err, job: job.id, attempt: job.attemptsMade + 1 }, 'Slack outbox job failed');
      throw err;
    }
  };
}

export interface OutboxWorker {
  worker: Worker<OutboxJob>;
  close(): Promise<void>;
}

/** Starts the outbox worker (role worker/all): the one place Slack messages are posted from. */
export function startOutboxWorker(deps: OutboxDeps, client: WebClient = createOutboxClient(deps.config, deps.logger)): OutboxWorker {
  const worker = new Worker<OutboxJob>(OUTBOX_QUEUE, createOutboxProcessor(deps, client), {
    connection: deps.redis,
    prefix: bullPrefix(deps.keys.prefix),
    concurrency: deps.config.slack.outbox_concurrency,
    // Every handler re-reads state and posts idempotently, so a job may run again after a crash;
    // BullMQ's default would drop an approval card (and strand its lead) after two crashes.
    ...stalledJobOptions(deps.config.pipeline),
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'slack outbox worker error'));
  // Slack is where alerts go, so a message Slack never got can only be logged (loudly).
  worker.on('failed', (job, err) => {
    if (job?.finishedOn) deps.logger.error({ err, job: job.id, kind: job.data.kind, attempts: job.attemptsMade }, 'Slack message dropped for good');
  });
  return {
    worker,
    async close() {
      await worker.close();
    },
  };
}
