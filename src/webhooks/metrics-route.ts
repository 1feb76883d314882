import type { Request, Response } from 'express';
import type { AppContext } from '../context.ts';
import { STAGES } from '../core/types.ts';
import { BREAKER_GAUGE, readBreakerStates } from '../health.ts';
import { WEBHOOK_QUEUE } from './queue.ts';
import { withTimeout } from '../core/timeout.ts';
import { CONTEXT_ZONES } from '../core/context-zones.ts';
import { readCrafterDay } from '../core/crafter-usage.ts';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;
const SAMPLE_TIMEOUT_MS = 1_000;

/**
 * GET /metrics: Prometheus text. Queue depths and breaker states are sampled at scrape time;
 * when Redis does not answer quickly the counters are still served with the last samples.
 */
export function createMetricsHandler(ctx: Pick<AppContext, 'metrics' | 'queues' | 'webhookQueue' | 'redis' | 'keys' | 'logger' | 'gate'>) {
  async function sample(): Promise<void> {
    const queues = [...STAGES.map((stage) => [stage, ctx.queues.byStage[stage]] as const), [WEBHOOK_QUEUE, ctx.webhookQueue.queue] as const];
    const [depths, breakers, sends, shadows, crafter] = await Promise.all([
      Promise.all(queues.map(async ([name, queue]) => [name, await queue.getJobCounts(...STATES)] as const)),
      readBreakerStates(ctx),
      ctx.gate.sendsToday(),
      ctx.gate.countShadow(),
      readCrafterDay(ctx.redis, ctx.keys),
    ]);
    ctx.metrics.sendsToday.set(sends.count);
    ctx.metrics.sendCap.set(sends.cap);
    ctx.metrics.shadowEmails.set(shadows);
    for (const [stage, counts] of depths) for (const state of STATES) ctx.metrics.jobs.set({ stage, state }, counts[state] ?? 0);
    for (const [provider, state] of Object.entries(breakers)) ctx.metrics.breakerState.set({ provider }, BREAKER_GAUGE[state]);
    for (const zone of CONTEXT_ZONES) ctx.metrics.crafterRequests.set({ zone }, crafter.zones[zone]);
    ctx.metrics.crafterLeads.set({ author: 'model' }, crafter.model - crafter.flagged);
    ctx.metrics.crafterLeads.set({ author: 'model_flagged' }, crafter.flagged);
    ctx.metrics.crafterLeads.set({ author: 'template' }, crafter.template);
    ctx.metrics.crafterTokens.set({ kind: 'input' }, crafter.input_tokens);
    ctx.metrics.crafterTokens.set({ kind: 'output' }, crafter.output_tokens);
    ctx.metrics.crafterCost.set(crafter.cost_usd);
  }
  return async (_req: Request, res: Response): Promise<void> => {
    await withTimeout(sample(), SAMPLE_TIMEOUT_MS, 'sample timeout').catch((err: unknown) => ctx.logger.warn({ err }, 'metrics: queue sampling failed'));
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  };
}
