import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CRAFT_RESULT_TTL_S, createCraftResults } from '../../src/core/craft-results.ts';
import type { Keys } from '../../src/core/keys.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The crafted-result cache against a real Redis: a result round-trips and expires after a day.

let redis: Redis;
let keys: Keys;

useIsolatedRedis('craft-results', (r, k) => {
  redis = r;
  keys = k;
});

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
