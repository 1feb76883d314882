import { createReplies, type ReplyDecision, type ReplyOutcome } from '../core/replies.ts';
import type { PipelineDeps } from './deps.ts';
import { countPositiveReply, createSegmentKpis } from '../core/segment-kpis.ts';

/**
 * The outcome of a reply, chosen by a person on its Slack message: recorded once (the first click
 * wins), audited, the address suppressed at once for Unsubscribe, the message updated in place,
 * and the rest (tags, GoHighLevel, cadence) done by a lead-sync job.
 */
export function createReplyService(deps: Pick<PipelineDeps, 'redis' | 'keys' | 'audit' | 'gate' | 'queues' | 'notifier'>) {
  const replies = createReplies(deps.redis, deps.keys);
  return {
    replies,
    async decide(replyId: string, outcome: ReplyOutcome, by: string): Promise<ReplyDecision> {
      const result = await replies.decide(replyId, outcome, by);
      if (!result.ok) return result;
      const { reply } = result;
      await deps.audit.append({ actor: by, action: `reply.${outcome}`, subject: reply.ref, details: { reply: reply.id, channel: reply.channel } });
      // "Suppress for good" must not wait for a queue: the gate refuses the address from now on.
      if (outcome === 'unsubscribed' && reply.email) await deps.gate.suppress(reply.email, 'unsubscribed');
      await deps.queues.leadSync.add('reply-outcome', { kind: 'reply-outcome', replyId }, { jobId: `${replyId}-outcome` });
      await deps.notifier.replyDecided(replyId);
      // A positive reply for the KPIs per day, campaign and segment (issue 12), after what the outcome does.
      if (outcome === 'interested') await countPositiveReply(createSegmentKpis(deps.redis, deps.keys), reply);
      return result;
    },
  };
}

export type ReplyService = ReturnType<typeof createReplyService>;
