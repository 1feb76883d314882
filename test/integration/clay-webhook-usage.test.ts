import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClayWebhookUsage } from '../../src/core/clay-webhook-usage.ts';
import { createKeys, deleteByPrefix, type Keys } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';

// A Clay webhook's lifetime submissions against a real Redis: counted per webhook, never
// expiring, with one warning.

let redis: Redis;
let keys: Keys;
let prefix: string;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
});
beforeEach(() => {
  prefix = uniquePrefix('clay-webhook-usage');
  keys = createKeys(prefix);
});
afterEach(async () => {
  await deleteByPrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

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
