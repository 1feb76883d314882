import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScript } from '../core/lua.ts';

// Deletes the lock only if we still hold it (it may have expired and been taken by another process).
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A short Redis lock (SET NX PX): two processes never post the same parent or run message twice. */
export function createLocks(redis: Redis) {
  const release = defineScript(redis, RELEASE);
  return {
    async acquire(key: string, ttlMs: number): Promise<string | null> {
      const token = randomBytes(8).toString('hex');
      return (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
    },
    async release(key: string, token: string): Promise<void> {
      await release([key], [token]);
    },
  };
}
