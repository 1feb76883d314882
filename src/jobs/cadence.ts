import type { Job } from 'bullmq';
import type { Lead } from '../core/types.ts';
import type { PipelineDeps } from './deps.ts';
import type { CadenceJobData } from './queues.ts';
import { parkIfOtherMode } from './stage-runner.ts';
import { STOPPED_RECHECK_MS, park } from '../core/queue.ts';
import { createLinkedInSenders } from '../core/linkedin-senders.ts';
import { createCadenceMarkers } from '../core/cadence-markers.ts';
import { parkOnDeferred } from './park-on-deferred.ts';

/**
 * Schedules the lead's non-email cadence steps after its first email: the LinkedIn steps (days 2,
 * 7, 14) and the call task (day 3). Email steps 2-5 were approved with step 1 and are sent by the
 * Instantly campaign from the lead's variables.
 */
export async function scheduleCadence(deps: Pick<PipelineDeps, 'config' | 'queues'>, lead: Lead, firstEmailAt: number): Promise<number> {
  if (!deps.config.cadence.enabled || !lead.cadence) return 0;
  const steps = lead.cadence.filter((s): s is typeof s & { channel: 'linkedin' | 'call' } => s.channel !== 'email');
  await deps.queues.cadence.addBulk(
    steps.map((s) => ({
      name: `${s.channel}${s.step}`,
      data: { runId: lead.runId, ref: lead.ref, day: s.day, channel: s.channel, step: s.step } satisfies CadenceJobData,
      opts: { jobId: `${lead.ref}-cadence-${s.channel}${s.step}`, delay: Math.max(0, firstEmailAt + (s.day - 1) * deps.config.cadence.day_ms - Date.now()) },
    })),
  );
  return steps.length;
}

function displayName(lead: Lead): string {
  return [lead.first_name, lead.last_name].filter(Boolean).join(' ') || lead.email || lead.ref;
}

/** The day-3 call task: who, and the number to call (or that there is none, with the profile instead). */
export function callTaskText(lead: Lead, day: number): string {
  const who = `${displayName(lead)}${lead.title ? `, ${lead.title}` : ''} at ${lead.company_name ?? 'unknown company'}`;
  const reach = lead.phone
    ? `phone ${lead.phone}`
    : `no phone number on file${lead.linkedin_url ? `; LinkedIn ${lead.linkedin_url}` : ''}`;
  return `Call task (cadence day ${day}): ${who} — ${reach}`;
}

/**
 * One cadence step, behind the same rules as an email: a suppressed address (reply, bounce,
 * unsubscribe) ends the cadence, a stop parks the step, shadow mode records instead of acting.
 */
export function createCadenceProcessor(deps: PipelineDeps) {
  const { store, gate, emergency, audit, providers, redis, keys, notifier } = deps;
  const senders = createLinkedInSenders({ redis, keys, linkedin: deps.config.linkedin, dayMs: deps.config.cadence.day_ms, senderIds: deps.config.env.HEYREACH_SENDER_IDS });
  const markers = createCadenceMarkers(redis, keys);
  const stopped = (ref: string) => markers.leadStopped(ref);
  return async (job: Job<CadenceJobData>, token?: string): Promise<void> => {
    const { ref, channel, step, day } = job.data;
    const lead = await store.getLead(ref);
    if (!lead) return;
    await parkIfOtherMode(job, token, deps, lead.providers);
    const subject = `${ref}|${channel}${step}`;
    if ((lead.email && (await gate.isSuppressed(lead.email))) || (await stopped(ref))) {
      await audit.append({ actor: 'system', action: 'cadence.stopped', subject, details: { reason: 'suppressed', day } });
      return;
    }
    if ((await emergency.state()).stopped) return park(job, token, Date.now() + STOPPED_RECHECK_MS);
    const safety = await deps.policy.safety();
    if (!safety) return park(job, token, Date.now() + STOPPED_RECHECK_MS);
    const shadow = safety.shadow_mode || !safety.actually_send;
    if (channel === 'call') {
      await notifier.alert('INFO', callTaskText(lead, day), { lead: ref });
      await audit.append({ actor: 'system', action: 'cadence.call_task', subject, details: { day, phone: Boolean(lead.phone) } });
      return;
    }
    if (shadow) {
      await audit.append({ actor: 'system', action: 'cadence.shadow', subject, details: { day, channel } });
      return;
    }
    // HeyReach runs the LinkedIn sequence once the lead is in its campaign: add it once, at step 1,
    // as the connection request of the lead's own sender, within that sender's caps.
    if (step === 1 && providers.heyreach && lead.linkedin_url) {
      const heyreach = providers.heyreach;
      const linkedinUrl = lead.linkedin_url;
      const sender = await senders.senderFor(ref);
      const slot = await senders.reserve(sender, ref);
      if (!slot.ok) {
        // Parked, never dropped: the step comes back when the sender has room again.
        deps.logger.info({ lead: ref, sender, reason: slot.reason, cap: slot.cap, until: new Date(slot.until).toISOString() }, 'LinkedIn sender at its cap: connection request waits');
        await audit.append({ actor: 'system', action: 'cadence.linkedin_capped', subject, details: { sender, reason: slot.reason, cap: slot.cap, until: new Date(slot.until).toISOString() } });
        return park(job, token, slot.until);
      }
      const first = await markers.claimLinkedInAdd(ref);
      if (first) {
        // The marker first, then the stop: a reply racing this step sees the marker or this sees its stop.
        if (await stopped(ref)) {
          await audit.append({ actor: 'system', action: 'cadence.stopped', subject, details: { reason: 'stopped', day } });
          return;
        }
        await parkOnDeferred(job, token, () =>
          heyreach
            .addLeadToCampaign({
              linkedin_url: linkedinUrl,
              first_name: lead.first_name,
              last_name: lead.last_name,
              company_name: lead.company_name,
              title: lead.title,
              email: lead.email,
              linkedInAccountId: senders.accountIdOf(sender),
            })
            .catch(async (err: unknown) => {
              await markers.releaseLinkedInAdd(ref);
              throw err;
            }),
        );
      }
      await audit.append({ actor: 'system', action: 'cadence.linkedin_step', subject, details: { day, provider: providers.kind, sender } });
      return;
    }
    // The message steps only make sense to a connection (HeyReach's CONNECTION_REQUEST_ACCEPTED webhook).
    if (step > 1 && providers.heyreach && !(await markers.connectionAccepted(ref))) {
      await audit.append({ actor: 'system', action: 'cadence.linkedin_skipped', subject, details: { day, reason: 'connection_not_accepted' } });
      return;
    }
    await audit.append({ actor: 'system', action: 'cadence.linkedin_step', subject, details: { day, provider: providers.heyreach ? providers.kind : 'none' } });
  };
}
