import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptRunner = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/**
 * Wraps a Lua script so it runs by SHA (EVALSHA) and is loaded on first NOSCRIPT. Scripts give us
 * atomic read-check-write steps (the send cap, approvals) that several workers may race on.
 */
export function defineScript(redis: Redis, source: string): ScriptRunner {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
