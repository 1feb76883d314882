import type { Job } from 'bullmq';
import { createCadenceMarkers } from '../../core/cadence-markers.ts';
import { createReplies, replyIdFor } from '../../core/replies.ts';
import { createLeadActions, TAGS } from '../../jobs/lead-actions.ts';
import type { LeadSignal } from '../lead-signal.ts';
import { jobLogger, type WorkerDeps } from './deps.ts';

/**
 * A reply, out-of-office, bounce, unsubscribe or accepted connection of a pipeline lead (DESIGN §9):
 *  - reply: the cadence stops everywhere (scheduled steps removed, HeyReach StopLeadInCampaign), the
 *    address is suppressed, GHL gets `caio-replied`, and one Slack message carries the reply;
 *  - out-of-office: the remaining cadence moves `cadence.auto_reply_shift_days` later, nothing is posted;
 *  - bounce, unsubscribe: the cadence stops everywhere (the Instantly processor suppresses the address).
 * An event about an address or profile CAIO never mailed is logged and ignored.
 * Every step is idempotent, so a retried job or a redelivered event changes nothing twice.
 */
export function createLeadSignalProcessor(deps: WorkerDeps) {
  const { ctx } = deps;
  const actions = createLeadActions(ctx);
  const replies = createReplies(ctx.redis, ctx.keys);
  const markers = createCadenceMarkers(ctx.redis, ctx.keys);

  return async (job: Job<{ reqId: string; signal: LeadSignal }>): Promise<void> => {
    const log = jobLogger(deps, job);
    const { signal } = job.data;
    const lead = await actions.findLead(signal);
    if (!lead) {
      // Not a lead CAIO mailed (another campaign, a forwarded address, a sandbox lead): nothing to do.
      log.info({ source: signal.source, kind: signal.kind }, 'event for a lead CAIO never contacted: ignored');
      return;
    }
    switch (signal.kind) {
      case 'reply': {
        await actions.stopCadence(lead, 'replied', signal.at);
        const email = signal.email ?? lead.email;
        if (email) await ctx.gate.suppress(email, 'replied');
        const id = replyIdFor(signal.source, signal.event_id);
        const created = await replies.create({
          id,
          ref: lead.ref,
          channel: signal.source === 'heyreach' ? 'linkedin' : 'email',
          source: signal.source,
          email,
          linkedin_url: signal.linkedin_url ?? lead.linkedin_url,
          step: signal.step,
          text: signal.text ?? '',
          unibox_url: signal.unibox_url,
          campaign_id: signal.campaign_id,
          received_at: signal.at,
        });
        if (created) await ctx.audit.append({ actor: 'system', action: 'reply.received', subject: lead.ref, details: { reply: id, source: signal.source, step: signal.step } });
        await actions.tag(lead.ref, [TAGS.replied], [], `${id}-replied`);
        // The outbox job id is the reply id: posted once, however often this runs.
        await ctx.notifier.replyReceived(id);
        log.info({ reply: id, lead: lead.ref, created }, 'reply recorded, cadence stopped');
        return;
      }
      case 'auto_reply': {
        const shifted = await actions.shiftCadence(lead, `${signal.source}-${signal.event_id}`, ctx.config.cadence.auto_reply_shift_days);
        log.info({ lead: lead.ref, shifted }, 'out-of-office: remaining cadence shifted');
        return;
      }
      case 'bounce':
      case 'unsubscribe':
        await actions.stopCadence(lead, signal.kind === 'bounce' ? 'bounced' : 'unsubscribed', signal.at);
        log.info({ lead: lead.ref, kind: signal.kind }, 'cadence stopped everywhere');
        return;
      case 'connection_accepted':
        await markers.markConnectionAccepted(lead.ref, signal.at);
        await ctx.audit.append({ actor: 'system', action: 'cadence.linkedin_accepted', subject: lead.ref, details: { sender: signal.sender_id } });
        return;
    }
  };
}
