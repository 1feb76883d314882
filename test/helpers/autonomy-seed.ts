import type { Job } from 'bullmq';
import type { AppContext } from '../../src/context.ts';
import { createSegmentKpis, type LeadOutcome } from '../../src/core/segment-kpis.ts';
import { createInstantlyEventProcessor } from '../../src/webhooks/processors/instantly-event.ts';
import { createVisitorStore } from '../../src/webhooks/visitor-store.ts';

/**
 * 640 leads: every combination of the five ICP features (has it or not) 20 times. Replies depend on
 * signals only (8 of 20 with, 1 of 20 without), so every other feature has exactly the same reply
 * rate with and without it. Two of each 20 with signals (one without) are positive replies.
 */
export function syntheticOutcomes(): LeadOutcome[] {
  const features = ['title', 'seniority', 'industry', 'company_size', 'signals'] as const;
  const out: LeadOutcome[] = [];
  for (let combo = 0; combo < 32; combo++) {
    const f = Object.fromEntries(features.map((name, bit) => [name, (combo >> bit) & 1 ? 1 : 0]));
    for (let copy = 0; copy < 20; copy++) {
      const replied = f.signals === 1 ? copy < 8 : copy < 1;
      out.push({ ref: `run_20260101_000000_aaaaaa-c${combo}x${copy}`, segment: 'default/B', at: 0, features: f, mailed: true, replied, positive: replied && copy < 2, bounced: false });
    }
  }
  return out;
}

/** A lead as the approve stage records it, plus the address index CAIO writes after its first real email. */
export async function seedLead(ctx: AppContext, input: { ref: string; runId: string; segment: string; email: string; features?: Record<string, number>; at?: Date }): Promise<void> {
  const kpis = createSegmentKpis(ctx.redis, ctx.keys);
  await kpis.recordLead({ ref: input.ref, runId: input.runId, segment: input.segment, features: input.features ?? {}, ...(input.at ? { at: input.at } : {}) });
  await ctx.redis.hset(ctx.keys.leadByEmail, input.email, input.ref);
}

/** Event ids are unique across feeders, as Instantly's are. */
let seq = 0;

/** Feeds Instantly events through the real webhook processor, as the webhook worker would. */
export function instantlyFeeder(ctx: AppContext) {
  const process = createInstantlyEventProcessor({ ctx, keys: ctx.keys.webhooks, visitors: createVisitorStore(ctx.redis, ctx.keys.webhooks) });
  return (type: string, email: string, at = new Date().toISOString(), campaign = 'camp-1', id = `evt-${++seq}-${type}`) =>
    process({ id, name: 'instantly-event', data: { reqId: 'test', event: { type, email, campaign_id: campaign, step: 1, email_id: null, at } } } as unknown as Job<{ reqId: string; event: never }>);
}

/** Seeds a small sample on which the global gates pass (with low min_sample_* settings): 10 sends, 6 opens, a reply, a reviewed anneal. */
export async function passGlobalGates(ctx: AppContext): Promise<void> {
  const feed = instantlyFeeder(ctx);
  await seedLead(ctx, { ref: 'run_20260301_000000_aaaaaa-g0', runId: 'run_20260301_000000_aaaaaa', segment: 'event_saastr/C', email: 'g0@example.com' });
  for (let i = 0; i < 10; i++) await feed('email_sent', 'g0@example.com');
  for (let i = 0; i < 6; i++) await feed('email_opened', 'g0@example.com');
  await feed('reply_received', 'g0@example.com');
  await ctx.redis.set(ctx.keys.autonomy.annealReviewed, '{}');
}
