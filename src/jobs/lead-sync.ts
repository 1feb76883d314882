import { UnrecoverableError, type Job } from 'bullmq';
import { HttpStatusError } from '../core/http-client.ts';
import { waitWhileStopped } from '../core/queue.ts';
import { createLeadIndex } from '../core/lead-index.ts';
import { createReplies, type ReplyOutcome } from '../core/replies.ts';
import type { PipelineDeps } from './deps.ts';
import { createLeadActions, TAGS } from './lead-actions.ts';
import { parkOnDeferred } from './park-on-deferred.ts';
import type { LeadSyncJobData } from './queues.ts';
import { parkIfOtherMode } from './stage-runner.ts';

/** The GHL tags each reply outcome sets (and the other outcomes' tags it clears). */
const OUTCOME_TAG: Record<ReplyOutcome, string> = { interested: TAGS.interested, not_now: TAGS.notNow, unsubscribed: TAGS.unsubscribed };

/**
 * The lead-sync queue: GoHighLevel upserts with the lead's full tag set, HeyReach stops, and the
 * effects of a reply outcome. Every job is idempotent (an upsert with the current tags, a stop of
 * a stopped lead), parks while stopped or while a provider says "not now", and never runs for a
 * lead of the other provider mode.
 */
export function createLeadSyncProcessor(deps: PipelineDeps) {
  const { store, providers, audit, logger, redis, keys } = deps;
  const actions = createLeadActions(deps);
  const replies = createReplies(redis, keys);
  const index = createLeadIndex(redis, keys);

  async function syncGhl(job: Job<LeadSyncJobData>, ref: string, reason: string): Promise<void> {
    const lead = await store.getLead(ref);
    if (!lead || !providers.ghl) return;
    const safety = await deps.policy.safety();
    // Shadow mode (or a broken policy) syncs nothing: GHL is where people act on leads.
    if (!safety || safety.shadow_mode || !safety.actually_send) {
      await audit.append({ actor: 'system', action: 'crm.shadow', subject: ref, details: { reason } });
      return;
    }
    const tags = await index.tags(ref);
    const { contactId, created } = await providers.ghl.upsertContact({
      email: lead.email,
      first_name: lead.first_name,
      last_name: lead.last_name,
      company_name: lead.company_name,
      phone: lead.phone ?? null,
      source: 'CAIO pipeline',
      tags,
    });
    await audit.append({ actor: 'system', action: 'crm.synced', subject: ref, details: { reason, contactId, created, tags } });
    logger.info({ job: job.id, lead: ref, created }, 'lead synced to GoHighLevel');
  }

  async function stopInHeyReach(ref: string, reason: string): Promise<void> {
    const lead = await store.getLead(ref);
    if (!lead?.linkedin_url || !providers.heyreach) return;
    try {
      await providers.heyreach.stopLead(lead.linkedin_url);
    } catch (err) {
      // 4xx: HeyReach does not have the lead in the campaign (any more): there is nothing to stop.
      if (err instanceof HttpStatusError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        logger.warn({ lead: ref, status: err.status }, 'HeyReach refused StopLeadInCampaign: treated as not in the campaign');
        await audit.append({ actor: 'system', action: 'cadence.linkedin_stop_refused', subject: ref, details: { reason, status: err.status } });
        return;
      }
      throw err;
    }
    await audit.append({ actor: 'system', action: 'cadence.linkedin_stopped', subject: ref, details: { reason } });
  }

  async function applyOutcome(replyId: string): Promise<void> {
    const reply = await replies.get(replyId);
    if (!reply || reply.status === 'new') return;
    const lead = await store.getLead(reply.ref);
    if (!lead) return;
    // Every outcome keeps the cadence stopped (the reply already stopped it; this is idempotent).
    await actions.stopCadence(lead, 'replied');
    const tag = OUTCOME_TAG[reply.status];
    const others = Object.values(OUTCOME_TAG).filter((t) => t !== tag);
    await actions.tag(lead.ref, [TAGS.replied, tag], others, `${reply.id}-${reply.status}`);
  }

  return async (job: Job<LeadSyncJobData>, token?: string): Promise<void> => {
    const data = job.data;
    const ref = data.kind === 'reply-outcome' ? null : data.ref;
    if (ref) {
      const lead = await store.getLead(ref);
      await parkIfOtherMode(job, token, deps, lead?.providers);
    }
    await parkOnDeferred(job, token, async () => {
      switch (data.kind) {
        case 'ghl':
          await waitWhileStopped(job, token, deps);
          return syncGhl(job, data.ref, data.reason);
        case 'heyreach-stop':
          await waitWhileStopped(job, token, deps);
          return stopInHeyReach(data.ref, data.reason);
        case 'reply-outcome':
          return applyOutcome(data.replyId);
        default:
          throw new UnrecoverableError(`unknown lead-sync job ${(data as { kind: string }).kind}`);
      }
    });
  };
}
