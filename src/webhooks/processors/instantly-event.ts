import type { Job } from 'bullmq';
import { utcDay } from '../../core/days.ts';
import { createCadenceMarkers } from '../../core/cadence-markers.ts';
import { loadScripts } from '../../core/lua.ts';
import { stopEverything } from '../../jobs/control.ts';
import { countProviderSend } from '../../jobs/provider-pause.ts';
import { createAutonomy } from '../../jobs/autonomy-service.ts';
import { isKnownEvent, type InstantlyEvent, type InstantlyEventType } from '../instantly-schema.ts';
import { KPI_FIELD } from '../../core/kpis.ts';
import { jobLogger, type WorkerDeps } from './deps.ts';

/** How long an event's marker, an address's timeline and a day's KPIs are kept. */
const RETENTION_S = 400 * 24 * 3600;

const SUPPRESSING: Partial<Record<InstantlyEventType, string>> = {
  email_bounced: 'bounced',
  lead_unsubscribed: 'unsubscribed',
  reply_received: 'replied',
};

/**
 * Instantly events: timeline, KPIs, suppression (a bounce, unsubscribe or reply stops the cadence
 * and the address is never mailed again), and the bounce-rate auto-pause.
 */
export function createInstantlyEventProcessor(deps: WorkerDeps) {
  const { ctx, keys } = deps;
  const scripts = loadScripts(ctx.redis);
  const settings = ctx.config.webhooks;
  const autonomy = createAutonomy(ctx);
  const cadence = createCadenceMarkers(ctx.redis, ctx.keys);

  async function autoPause(bounced: number, sends: number, log: ReturnType<typeof jobLogger>): Promise<void> {
    const rate = bounced / sends;
    const reason = `bounce rate ${(rate * 100).toFixed(1)}% (${bounced} of the last ${sends} sends) is above ${(settings.bounce.max_rate * 100).toFixed(1)}%`;
    const state = await ctx.emergency.state();
    if (state.stopped) {
      log.warn({ bounced, sends }, `${reason}; already stopped`);
      return;
    }
    await ctx.notifier.alert('CRITICAL', `Sending paused automatically: ${reason}. Check the sending domains and list quality, then /caio resume.`, { bounced, sends, rate });
    await stopEverything(ctx, 'system', `auto-pause: ${reason}`);
    log.error({ bounced, sends, rate }, 'bounce rate above the limit: everything stopped');
  }

  return async (job: Job<{ reqId: string; event: InstantlyEvent }>): Promise<void> => {
    const log = jobLogger(deps, job);
    const { event } = job.data;
    if (!isKnownEvent(event.type) || !event.email) {
      log.info({ type: event.type }, 'instantly event not tracked');
      return;
    }
    const field = KPI_FIELD[event.type];
    const entry = JSON.stringify({ type: event.type, at: event.at, campaign_id: event.campaign_id, step: event.step, email_id: event.email_id });
    // Once per event (lua/record-instantly-event.lua): the timeline, the KPIs and the recent sends.
    const recorded = await scripts.recordInstantlyEvent(
      {
        marker: keys.seen('instantly-processed', String(job.id)),
        timeline: keys.timeline(event.email),
        kpiDay: keys.kpiDay(utcDay(event.at)),
        kpiCampaign: keys.kpiCampaign(event.campaign_id ?? '-'),
        kpiCampaigns: keys.kpiCampaigns,
        recentSends: keys.recentSends,
      },
      {
        entry,
        kpiField: field,
        timelineMax: settings.timeline_max_events,
        retentionS: RETENTION_S,
        campaignId: event.campaign_id ?? '',
        email: event.email,
        isSend: event.type === 'email_sent' ? '1' : '0',
        window: settings.bounce.window_sends,
        atMs: Date.parse(event.at),
      },
    );
    const reason = SUPPRESSING[event.type];
    if (reason) {
      // Idempotent, so a retry after a crash still suppresses.
      await ctx.gate.suppress(event.email, reason);
      await cadence.stopAddress(event.email, { reason, at: event.at, campaign_id: event.campaign_id });
      log.info({ reason }, 'address suppressed, cadence stopped');
    }
    // Every step Instantly sends counts toward the day's cap at the provider (DESIGN §9).
    if (event.type === 'email_sent') await countProviderSend(ctx, { id: String(job.id), campaign_id: event.campaign_id, at: event.at });
    if (event.type === 'email_bounced') {
      const [bounced, sends] = await scripts.bounceRate({ recentSends: keys.recentSends, bounced: keys.bouncedAddresses }, { email: event.email });
      if (sends >= settings.bounce.min_sends && bounced / sends > settings.bounce.max_rate) await autoPause(bounced, sends, log);
    }
    // Per segment too (issue 12), after the suppression and the auto-pause; an auto-approving segment whose rates turn loses it here.
    await autonomy.onEmailEvent({ eventId: String(job.id), email: event.email, type: event.type, at: event.at, campaignId: event.campaign_id });
    log.info({ type: event.type, recorded: recorded === 1 }, 'instantly event processed');
  };
}
