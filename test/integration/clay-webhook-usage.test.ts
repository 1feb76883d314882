import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createClayWebhookUsage } from '../../src/core/clay-webhook-usage.ts';
import type { Keys } from '../../src/core/keys.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// A Clay webhook's lifetime submissions against a real Redis: counted per webhook, never
// expiring, with one warning.

let redis: Redis;
let keys: Keys;

useIsolatedRedis('clay-webhook-usage', (r, k) => {
  redis = r;
  keys = k;
});

describe('clay webhook usage', () => {
  it('counts submissions per webhook for its lifetime and warns once', async () => {
    const usage = createClayWebhookUsage(redis, keys);
    expect(await usage.submissions('w1')).toBe(0);
    expect(await usage.countSubmission('w1')).toBe(1);
    expect(await usage.countSubmission('w1')).toBe(2);
    expect(await usage.countSubmission('w2')).toBe(1);
    expect(await usage.submissions('w1')).toBe(2);
    expect(await redis.ttl(keys.clayWebhookCount('w1'))).toBe(-1);
    expect(await usage.claimWarning('w1')).toBe(true);
    expect(await usage.claimWarning('w1')).toBe(false);
    expect(await usage.claimWarning('w2')).toBe(true);
    expect(await redis.ttl(keys.clayWebhookWarned('w1'))).toBe(-1);
  });
});
