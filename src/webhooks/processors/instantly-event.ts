import type { Job } from 'bullmq';
import { defineScript } from '../../core/lua.ts';
import { stopEverything } from '../../jobs/control.ts';
import { countProviderSend } from '../../jobs/provider-pause.ts';
import { isKnownEvent, type InstantlyEvent, type InstantlyEventType } from '../instantly-schema.ts';
import { KPI_FIELD } from '../../core/kpis.ts';
import { jobLogger, type WorkerDeps } from './deps.ts';

const RETENTION_S = 400 * 24 * 3600;

/**
 * Records an event once (the marker makes a retried job a no-op): the lead's timeline, the day
 * and campaign counters, and for a send the rolling window of recent sends.
 * KEYS: marker, timeline, kpiDay, kpiCampaign, kpiCampaigns, recentSends.
 * ARGV: timeline entry, kpi field, timeline max, retention s, campaign id ('' = none), email, is send, window, event time ms.
 * The timeline is a sorted set by event time: events arrive, and are processed, out of order.
 */
const RECORD = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[9], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('EXPIRE', KEYS[3], ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('SADD', KEYS[5], ARGV[5])
end
if ARGV[7] == '1' then
  redis.call('LPUSH', KEYS[6], ARGV[6])
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[8]) - 1)
end
return 1`;

/** Marks the address bounced and counts bounced addresses among the last sends. KEYS: recentSends, bounced. */
const BOUNCE_RATE = `
redis.call('SADD', KEYS[2], ARGV[1])
local sends = redis.call('LRANGE', KEYS[1], 0, -1)
local bounced = 0
for _, email in ipairs(sends) do
  if redis.call('SISMEMBER', KEYS[2], email) == 1 then bounced = bounced + 1 end
end
return {bounced, #sends}`;

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
  const record = defineScript(ctx.redis, RECORD);
  const bounceRate = defineScript(ctx.redis, BOUNCE_RATE);
  const settings = ctx.config.webhooks;

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
    const recorded = await record(
      [
        keys.seen('instantly-processed', String(job.id)),
        keys.timeline(event.email),
        keys.kpiDay(event.at.slice(0, 10)),
        keys.kpiCampaign(event.campaign_id ?? '-'),
        keys.kpiCampaigns,
        keys.recentSends,
      ],
      [entry, field, settings.timeline_max_events, RETENTION_S, event.campaign_id ?? '', event.email, event.type === 'email_sent' ? '1' : '0', settings.bounce.window_sends, Date.parse(event.at)],
    );
    const reason = SUPPRESSING[event.type];
    if (reason) {
      // Idempotent, so a retry after a crash still suppresses.
      await ctx.gate.suppress(event.email, reason);
      await ctx.redis.hset(keys.cadenceStopped, event.email, JSON.stringify({ reason, at: event.at, campaign_id: event.campaign_id }));
      log.info({ reason }, 'address suppressed, cadence stopped');
    }
    // Every step Instantly sends counts toward the day's cap at the provider (DESIGN §9).
    if (event.type === 'email_sent') await countProviderSend(ctx, { id: String(job.id), campaign_id: event.campaign_id, at: event.at });
    if (event.type === 'email_bounced') {
      const [bounced, sends] = (await bounceRate([keys.recentSends, keys.bouncedAddresses], [event.email])) as [number, number];
      if (sends >= settings.bounce.min_sends && bounced / sends > settings.bounce.max_rate) await autoPause(bounced, sends, log);
    }
    log.info({ type: event.type, recorded: recorded === 1 }, 'instantly event processed');
  };
}
