import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/**
 * A lead's crafted sequence (src/jobs/crafter.ts), kept briefly: a retried or stalled craft job
 * finds it and never pays the model for the same lead twice. `T` is the crafter's result type.
 */

/** Long enough for any retry of the craft job; the lead itself keeps the approved sequence. */
export const CRAFT_RESULT_TTL_S = 24 * 3600;

export interface CraftResults<T> {
  get(ref: string): Promise<T | null>;
  keep(ref: string, result: T): Promise<void>;
}

export function createCraftResults<T>(redis: Redis, keys: Pick<Keys, 'crafter'>): CraftResults<T> {
  return {
    async get(ref) {
      const cached = await redis.get(keys.crafter.result(ref));
      return cached ? (JSON.parse(cached) as T) : null;
    },
    async keep(ref, result) {
      await redis.set(keys.crafter.result(ref), JSON.stringify(result), 'EX', CRAFT_RESULT_TTL_S);
    },
  };
}
