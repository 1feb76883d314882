import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadScripts } from '../core/lua.ts';

/** A short Redis lock (SET NX PX): two processes never post the same parent or run message twice. */
export function createLocks(redis: Redis) {
  const scripts = loadScripts(redis);
  return {
    async acquire(key: string, ttlMs: number): Promise<string | null> {
      const token = randomBytes(8).toString('hex');
      return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
    },
    async release(key: string, token: string): Promise<void> {
      // Only if we still hold it: it may have expired and been taken by another process.
      await scripts.releaseLock({ lock: key }, { token });
    },
  };
}
