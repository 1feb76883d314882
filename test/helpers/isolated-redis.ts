import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createKeys, deleteByPrefix, type Keys } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from './harness.ts';

/**
 * A store module's test file: one connection to the test Redis, a fresh key prefix per test
 * (handed to `each` with its keys, to build the module under test), that prefix deleted after
 * the test, the connection closed at the end.
 */
export function useIsolatedRedis(name: string, each: (redis: Redis, keys: Keys) => void): void {
  let redis: Redis;
  let prefix: string;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  beforeEach(() => {
    prefix = uniquePrefix(name);
    each(redis, createKeys(prefix));
  });
  afterEach(async () => {
    await deleteByPrefix(redis, prefix);
  });
  afterAll(() => redis.disconnect());
}
