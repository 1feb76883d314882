import type { AppContext } from './context.ts';
import { STAGES } from './core/types.ts';

export interface Health {
  ok: boolean;
  redis: 'up' | 'down';
  emergency: { stopped: boolean; source: string | null; by: string | null; reason: string | null };
  queues: Record<string, Record<string, number>>;
  sends_today: { day: string; count: number; cap: number } | null;
}

const PING_TIMEOUT_MS = 1_000;

/** Everything /healthz and `caio status` report; Redis down is reported, never thrown. */
export async function checkHealth(ctx: Pick<AppContext, 'redis' | 'emergency' | 'queues' | 'gate'>): Promise<Health> {
  try {
    await Promise.race([ctx.redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), PING_TIMEOUT_MS))]);
  } catch {
    return { ok: false, redis: 'down', emergency: { stopped: false, source: null, by: null, reason: null }, queues: {}, sends_today: null };
  }
  const [emergency, depths, sends] = await Promise.all([
    ctx.emergency.state(),
    Promise.all(STAGES.map(async (stage) => [stage, await ctx.queues.byStage[stage].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')] as const)),
    ctx.gate.sendsToday(),
  ]);
  return {
    ok: true,
    redis: 'up',
    emergency: { stopped: emergency.stopped, source: emergency.source, by: emergency.by, reason: emergency.reason },
    queues: Object.fromEntries(depths),
    sends_today: sends,
  };
}
