import type { Redis } from 'ioredis';
import type { UtcDay } from './days.ts';
import type { WebhookKeys } from './keys.ts';

/** Counters per day or campaign; each event counted once (the route dedupes, the script too). */
export interface Kpis {
  sent: number;
  opened: number;
  replied: number;
  bounced: number;
  unsubscribed: number;
  open_rate: number;
  reply_rate: number;
  bounce_rate: number;
}

export const KPI_FIELD = {
  email_sent: 'sent',
  email_opened: 'opened',
  reply_received: 'replied',
  email_bounced: 'bounced',
  lead_unsubscribed: 'unsubscribed',
} as const;

const rate = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : 0);

function toKpis(h: Record<string, string>): Kpis {
  const n = (f: string) => Number(h[f] ?? 0);
  const sent = n('sent');
  return {
    sent,
    opened: n('opened'),
    replied: n('replied'),
    bounced: n('bounced'),
    unsubscribed: n('unsubscribed'),
    open_rate: rate(n('opened'), sent),
    reply_rate: rate(n('replied'), sent),
    bounce_rate: rate(n('bounced'), sent),
  };
}

/** Open, reply and bounce rates for a UTC day (YYYY-MM-DD) or a campaign (for App Home and status). */
export async function readKpis(redis: Redis, keys: WebhookKeys, scope: { day: UtcDay } | { campaign: string }): Promise<Kpis> {
  return toKpis(await redis.hgetall('day' in scope ? keys.kpiDay(scope.day) : keys.kpiCampaign(scope.campaign)));
}


/** A lead's Instantly events, oldest first. */
export async function readTimeline(redis: Redis, keys: WebhookKeys, email: string): Promise<{ type: string; at: string; campaign_id: string | null; step: number | null; email_id: string | null }[]> {
  const rows = await redis.zrange(keys.timeline(email.trim().toLowerCase()), '0', '-1');
  return rows.map((row) => JSON.parse(row) as { type: string; at: string; campaign_id: string | null; step: number | null; email_id: string | null });
}
