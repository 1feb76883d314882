import type { AppContext } from './context.ts';
import type { Keys } from './core/keys.ts';
import { STAGES } from './core/types.ts';
import type { BreakerState } from './core/notifier.ts';
import { withTimeout } from './core/timeout.ts';

/** Providers whose circuit breakers /healthz and /metrics report. */
export const BREAKER_PROVIDERS = ['apollo', 'clay', 'bettercontact', 'instantly', 'ghl', 'heyreach', 'llm'] as const;

/** The caio_breaker_state gauge value of each state. */
export const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Breaker states as every process sees them (the breaker keeps its state in Redis). */
export async function readBreakerStates(ctx: { redis: AppContext['redis']; keys: Keys }): Promise<Record<string, BreakerState>> {
  const states = await Promise.all(
    BREAKER_PROVIDERS.map(async (provider) => [provider, ((await ctx.redis.hget(ctx.keys.breaker(provider), 'state')) as BreakerState | null) ?? 'closed'] as const),
  );
  return Object.fromEntries(states);
}

export interface Health {
  ok: boolean;
  redis: 'up' | 'down';
  emergency: { stopped: boolean; source: string | null; by: string | null; reason: string | null };
  queues: Record<string, Record<string, number>>;
  sends_today: { day: string; count: number; cap: number } | null;
  breakers: Record<string, BreakerState>;
}

const PING_TIMEOUT_MS = 1_000;

/** Breaker states are reported when the caller passes the keys (callers without them still work). */
type HealthDeps = Pick<AppContext, 'redis' | 'emergency' | 'queues' | 'gate'> & { keys?: Keys; webhookQueue?: AppContext['webhookQueue'] };

/** Everything /healthz and `caio status` report; Redis down is reported, never thrown. */
export async function checkHealth(ctx: HealthDeps): Promise<Health> {
  const down: Health = { ok: false, redis: 'down', emergency: { stopped: false, source: null, by: null, reason: null }, queues: {}, sends_today: null, breakers: {} };
  // The shared client queues commands while disconnected (maxRetriesPerRequest null), so every
  // Redis call here is raced against a timeout: /healthz answers 503, it never hangs.
  try {
    await withTimeout(ctx.redis.ping(), PING_TIMEOUT_MS, 'redis timeout');
    return await withTimeout(report(ctx), PING_TIMEOUT_MS * 2, 'redis timeout');
  } catch {
    return down;
  }
}

async function report(ctx: HealthDeps): Promise<Health> {
  const [emergency, depths, sends, breakers] = await Promise.all([
    ctx.emergency.state(),
    Promise.all(STAGES.map(async (stage) => [stage, await ctx.queues.byStage[stage].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')] as const)),
    ctx.gate.sendsToday(),
    ctx.keys ? readBreakerStates({ redis: ctx.redis, keys: ctx.keys }) : Promise.resolve({}),
  ]);
  const queues: Record<string, Record<string, number>> = Object.fromEntries(depths);
  if (ctx.webhookQueue) queues.webhooks = await ctx.webhookQueue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  return {
    ok: true,
    redis: 'up',
    emergency: { stopped: emergency.stopped, source: emergency.source, by: emergency.by, reason: emergency.reason },
    queues,
    sends_today: sends,
    breakers,
  };
}
