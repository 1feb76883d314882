import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CRAFT_RESULT_TTL_S, createCraftResults } from '../../src/core/craft-results.ts';
import { createKeys, deleteByPrefix, type Keys } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';

// The crafted-result cache against a real Redis: a result round-trips and expires after a day.

let redis: Redis;
let keys: Keys;
let prefix: string;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});
beforeEach(() => {
  prefix = uniquePrefix('craft-results');
  keys = createKeys(prefix);
});
afterEach(async () => {
  await deleteByPrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

describe('craft results', () => {
  it('keeps a lead\'s crafted result for a day', async () => {
    const results = createCraftResults<{ sequence: string[]; craft: { author: string } }>(redis, keys);
    expect(await results.get('r-1')).toBeNull();
    await results.keep('r-1', { sequence: ['a', 'b'], craft: { author: 'model' } });
    expect(await results.get('r-1')).toEqual({ sequence: ['a', 'b'], craft: { author: 'model' } });
    const ttl = await redis.ttl(keys.crafter.result('r-1'));
    expect(ttl).toBeGreaterThan(CRAFT_RESULT_TTL_S - 10);
    expect(ttl).toBeLessThanOrEqual(CRAFT_RESULT_TTL_S);
  });
});
