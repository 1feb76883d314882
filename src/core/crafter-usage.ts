import type { Redis } from 'ioredis';
import { utcDay, type UtcDay } from './days.ts';
import type { CrafterConfig } from './config.ts';
import { CONTEXT_ZONES } from './context-zones.ts';
import type { Keys } from './keys.ts';
import type { ContextZone, CraftInfo } from './types.ts';

/** Day counters are read by status for a week; run counters as long as a run is looked at. */
const DAY_TTL_S = 8 * 24 * 3600;
const RUN_TTL_S = 30 * 24 * 3600;
const WARNED_TTL_S = 2 * 24 * 3600;

/** Tokens of one answer, as the API reports them. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
}

/** A request's worst case, held against today's budget until the answer says what it really cost. */
export interface Reservation {
  day: UtcDay;
  tokens: number;
  micros: number;
}

/** The crafter's figures for one day or one run (status, App Home, /metrics). */
export interface CrafterFigures {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Requests per context zone (CRITICAL ones were not sent). */
  zones: Record<ContextZone, number>;
  /** Leads whose sequence the model wrote, of which `flagged` with unsupported claims. */
  model: number;
  flagged: number;
  /** Leads the templates wrote while the crafter was on, by reason. */
  template: number;
  fallbacks: Record<string, number>;
}


/** Micro-dollars of a request: tokens times the price per million tokens (rounded up). */
export function costMicros(usage: TokenUsage, prices: CrafterConfig['prices']): number {
  return Math.ceil(usage.input_tokens * prices.input_per_mtok + usage.output_tokens * prices.output_per_mtok);
}

export interface CrafterUsage {
  /** Holds a request's worst case (prompt + max_tokens) against today's budget; null when it would pass it. */
  reserve(promptTokens: number): Promise<Reservation | null>;
  /** Swaps the reservation for what was really used (null: nothing was, e.g. no answer) and counts it for the day and the run. */
  settle(reservation: Reservation, used: TokenUsage | null, runId: string): Promise<void>;
  countZone(zone: ContextZone, runId: string): Promise<void>;
  /** Counts who wrote a lead's sequence (and why the templates did). */
  countAuthor(craft: CraftInfo, runId: string): Promise<void>;
  /** True for the first caller of the day only: the one that posts the budget WARNING. */
  claimBudgetWarning(day: UtcDay): Promise<boolean>;
}

/**
 * The crafter's counters in Redis, shared by every worker: a day's budget is one budget for the
 * cluster. A reservation is taken before each call (HINCRBY, given back when it would pass the
 * budget), so concurrent crafts cannot all slip under the cap at once.
 */
export function createCrafterUsage(deps: { redis: Redis; keys: Keys; config: CrafterConfig }): CrafterUsage {
  const { redis, keys, config } = deps;
  const budgetMicros = config.budget.daily_usd === null ? null : Math.floor(config.budget.daily_usd * 1_000_000);
  const incr = (day: UtcDay, runId: string | null, fields: Record<string, number>) => {
    const tx = redis.multi();
    for (const [field, by] of Object.entries(fields)) {
      if (by === 0) continue;
      tx.hincrby(keys.crafter.day(day), field, by);
      if (runId) tx.hincrby(keys.crafter.run(runId), field, by);
    }
    tx.expire(keys.crafter.day(day), DAY_TTL_S);
    if (runId) tx.expire(keys.crafter.run(runId), RUN_TTL_S);
    return tx.exec();
  };
  return {
    async reserve(promptTokens) {
      const day = utcDay();
      const tokens = promptTokens + config.max_tokens;
      const micros = costMicros({ input_tokens: promptTokens, output_tokens: config.max_tokens }, config.prices);
      const key = keys.crafter.day(day);
      const result = await redis.multi().hincrby(key, 'reserved_tokens', tokens).hincrby(key, 'reserved_micros', micros).expire(key, DAY_TTL_S).exec();
      const totalTokens = Number(result?.[0]?.[1] ?? 0);
      const totalMicros = Number(result?.[1]?.[1] ?? 0);
      const over = (config.budget.daily_tokens !== null && totalTokens > config.budget.daily_tokens) || (budgetMicros !== null && totalMicros > budgetMicros);
      if (!over) return { day, tokens, micros };
      await redis.multi().hincrby(key, 'reserved_tokens', -tokens).hincrby(key, 'reserved_micros', -micros).exec();
      return null;
    },
    async settle(reservation, used, runId) {
      const micros = used ? costMicros(used, config.prices) : 0;
      const tokens = used ? used.input_tokens + used.output_tokens : 0;
      await incr(reservation.day, null, { reserved_tokens: tokens - reservation.tokens, reserved_micros: micros - reservation.micros });
      if (used) await incr(reservation.day, runId, { calls: 1, input_tokens: used.input_tokens, output_tokens: used.output_tokens, cost_micros: micros });
    },
    async countZone(zone, runId) {
      await incr(utcDay(), runId, { [`zone:${zone}`]: 1 });
    },
    async countAuthor(craft, runId) {
      const fields: Record<string, number> = { [`author:${craft.author}`]: 1 };
      if (craft.author === 'model' && !craft.grounded) fields.flagged = 1;
      if (craft.fallback) fields[`fallback:${craft.fallback}`] = 1;
      await incr(utcDay(), runId, fields);
    },
    async claimBudgetWarning(day) {
      return (await redis.set(keys.crafter.warned(day), '1', 'EX', WARNED_TTL_S, 'NX')) === 'OK';
    },
  };
}

function figures(hash: Record<string, string>): CrafterFigures {
  const n = (field: string) => Number(hash[field] ?? 0) || 0;
  const fallbacks: Record<string, number> = {};
  for (const [field, value] of Object.entries(hash)) if (field.startsWith('fallback:')) fallbacks[field.slice('fallback:'.length)] = Number(value) || 0;
  return {
    calls: n('calls'),
    input_tokens: n('input_tokens'),
    output_tokens: n('output_tokens'),
    cost_usd: n('cost_micros') / 1_000_000,
    zones: Object.fromEntries(CONTEXT_ZONES.map((z) => [z, n(`zone:${z}`)])) as Record<ContextZone, number>,
    model: n('author:model'),
    flagged: n('flagged'),
    template: n('author:template'),
    fallbacks,
  };
}

/** One UTC day's figures (zeros when nothing was crafted). */
export async function readCrafterDay(redis: Redis, keys: Keys, day: UtcDay = utcDay()): Promise<CrafterFigures & { day: string }> {
  return { day, ...figures(await redis.hgetall(keys.crafter.day(day))) };
}

/** One run's figures. */
export async function readCrafterRun(redis: Redis, keys: Keys, runId: string): Promise<CrafterFigures> {
  return figures(await redis.hgetall(keys.crafter.run(runId)));
}

/** "12 calls · 34,567 tokens · $0.52 · zones SMART 10, CAUTION 2 · model 9 (1 flagged), template 3 (budget 3)" */
export function crafterLine(f: CrafterFigures): string {
  const zones = CONTEXT_ZONES.filter((z) => f.zones[z] > 0).map((z) => `${z} ${f.zones[z]}`);
  const fallbacks = Object.entries(f.fallbacks).filter(([, n]) => n > 0).map(([why, n]) => `${why.replace(/_/g, ' ')} ${n}`);
  return [
    `${f.calls} calls`,
    `${(f.input_tokens + f.output_tokens).toLocaleString('en')} tokens`,
    `$${f.cost_usd.toFixed(2)}`,
    `zones ${zones.length > 0 ? zones.join(', ') : 'none'}`,
    `model ${f.model}${f.flagged > 0 ? ` (${f.flagged} flagged)` : ''}, template ${f.template}${fallbacks.length > 0 ? ` (${fallbacks.join(', ')})` : ''}`,
  ].join(' · ');
}
