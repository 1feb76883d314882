import { buildCadence } from '../core/cadence.ts';
import { createCadenceMarkers } from '../core/cadence-markers.ts';
import { createLeadIndex } from '../core/lead-index.ts';
import { safeId } from '../core/queue.ts';
import type { Lead } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';

/** GoHighLevel tags CAIO manages on a pipeline lead's contact (anything else on it is replaced by the upsert). */
export const TAGS = {
  caio: 'caio',
  replied: 'caio-replied',
  interested: 'caio-interested',
  notNow: 'caio-not-now',
  unsubscribed: 'caio-unsubscribed',
} as const;

/** The ids of a lead's scheduled cadence jobs (src/jobs/cadence.ts): every step that is not an email. */
export function cadenceJobIds(lead: Pick<Lead, 'ref' | 'cadence'>): string[] {
  return (lead.cadence ?? buildCadence()).filter((s) => s.channel !== 'email').map((s) => `${lead.ref}-cadence-${s.channel}${s.step}`);
}

type Deps = Pick<PipelineDeps, 'redis' | 'keys' | 'queues' | 'audit' | 'logger' | 'store' | 'config'>;

/** What replies, bounces, unsubscribes and first emails do to one lead across the providers. */
export function createLeadActions(deps: Deps) {
  const { redis, keys, queues, audit, logger } = deps;
  const index = createLeadIndex(redis, keys);
  const markers = createCadenceMarkers(redis, keys);

  async function queueGhl(ref: string, reason: string): Promise<void> {
    await queues.leadSync.add('ghl', { kind: 'ghl', ref, reason }, { jobId: `${ref}-ghl-${safeId(reason)}` });
  }

  return {
    /**
     * After a real first email: the lead can now be found by the address and profile a reply comes
     * from, gets its base GHL tags, and a GHL upsert is queued (not awaited by the send).
     */
    async afterFirstEmail(lead: Lead): Promise<void> {
      await index.indexMailedLead(lead, [TAGS.caio, lead.source, `tier-${lead.icp?.tier ?? 'unscored'}`]);
      await queueGhl(lead.ref, 'first-email');
    },

    /** The pipeline lead a provider event is about, by address first, then LinkedIn profile; null if CAIO never mailed it. */
    async findLead(by: { email: string | null; linkedin_url: string | null }): Promise<Lead | null> {
      const ref = await index.findRef(by);
      return ref ? deps.store.getLead(ref) : null;
    },

    /** Adds (and removes) GHL tags on the lead and queues the upsert; `reason` makes the job id, so a retry queues it once. */
    async tag(ref: string, add: string[], remove: string[], reason: string): Promise<void> {
      await index.changeTags(ref, add, remove);
      await queueGhl(ref, reason);
    },

    /**
     * Ends the lead's remaining cadence: marks it stopped (the cadence processor checks that before
     * every step), removes its scheduled steps, and stops it in HeyReach if it was added there.
     * Idempotent; the first stop is audited. Instantly's own `stop_on_reply` ends its email sequence.
     */
    async stopCadence(lead: Lead, reason: string, at = new Date().toISOString()): Promise<void> {
      const first = await markers.stopLead(lead.ref, reason, at);
      let removed = 0;
      for (const id of cadenceJobIds(lead)) {
        // A step running right now cannot be removed; it reads the stop marker first and ends itself.
        removed += await queues.cadence.remove(id).catch((err: unknown) => {
          logger.warn({ err, job: id }, 'cadence step could not be removed (running?): it stops on its own');
          return 0;
        });
      }
      // Written before this check by the LinkedIn step, so a step racing this stop is caught by one of the two.
      if (lead.linkedin_url && (await markers.addedToLinkedIn(lead.ref))) {
        await queues.leadSync.add('heyreach-stop', { kind: 'heyreach-stop', ref: lead.ref, reason }, { jobId: `${lead.ref}-heyreach-stop` });
      }
      if (first) await audit.append({ actor: 'system', action: 'cadence.stopped', subject: lead.ref, details: { reason, removed } });
    },

    /**
     * An out-of-office reply: every step still waiting moves `days` cadence days later. Each step
     * moves once per event (`eventId`), so a retried job does not move it twice.
     */
    async shiftCadence(lead: Lead, eventId: string, days: number): Promise<number> {
      if (days <= 0) return 0;
      const shiftMs = days * deps.config.cadence.day_ms;
      const delayedKey = queues.cadence.keys.delayed;
      if (!delayedKey) return 0;
      let shifted = 0;
      for (const id of cadenceJobIds(lead)) {
        const score = await redis.zscore(delayedKey, id);
        if (score === null) continue;
        if (!(await markers.claimShift(id, eventId))) continue;
        // BullMQ scores delayed jobs as processAt * 4096 (+ a counter): the step's current due time.
        const dueAt = Math.floor(Number(score) / 4096);
        const job = await queues.cadence.getJob(id);
        try {
          await job?.changeDelay(Math.max(0, dueAt - Date.now()) + shiftMs);
          shifted++;
        } catch (err) {
          // It became due (or was removed) in between: nothing to move.
          logger.info({ err, job: id }, 'cadence step not shifted: no longer waiting');
        }
      }
      await audit.append({ actor: 'system', action: 'cadence.shifted', subject: lead.ref, details: { days, steps: shifted, reason: 'auto_reply' } });
      return shifted;
    },
  };
}

export type LeadActions = ReturnType<typeof createLeadActions>;
