import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { asGateDay } from '../../src/core/days.ts';
import type { Keys } from '../../src/core/keys.ts';
import { PROVIDER_SENDS_TTL_S, createProviderSends, type ProviderSends } from '../../src/core/provider-sends.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The day's provider-side sends against a real Redis: an event counts once, the day's keys
// expire, and the cap pause is claimed once a day.

let redis: Redis;
let keys: Keys;
let sends: ProviderSends;

useIsolatedRedis('provider-sends', (r, k) => {
  redis = r;
  keys = k;
  sends = createProviderSends(redis, keys);
});

async function expectTtl(key: string): Promise<void> {
  const ttl = await redis.ttl(key);
  expect(ttl).toBeGreaterThan(PROVIDER_SENDS_TTL_S - 10);
  expect(ttl).toBeLessThanOrEqual(PROVIDER_SENDS_TTL_S);
}

describe('provider sends', () => {
  it('counts each event id once per day and keeps the day for three days', async () => {
    expect(await sends.total(asGateDay('2026-01-02'))).toBe(0);
    expect(await sends.count(asGateDay('2026-01-02'), 'ev-1')).toBe(1);
    expect(await sends.count(asGateDay('2026-01-02'), 'ev-2')).toBe(2);
    expect(await sends.count(asGateDay('2026-01-02'), 'ev-1')).toBe(2);
    expect(await sends.count(asGateDay('2026-01-03'), 'ev-1')).toBe(1);
    expect(await sends.total(asGateDay('2026-01-02'))).toBe(2);
    await expectTtl(keys.campaign.providerSends(asGateDay('2026-01-02')));
  });

  it('lets one caller a day claim the cap pause', async () => {
    expect(await sends.claimCapPause(asGateDay('2026-01-02'))).toBe(true);
    expect(await sends.claimCapPause(asGateDay('2026-01-02'))).toBe(false);
    expect(await sends.claimCapPause(asGateDay('2026-01-03'))).toBe(true);
    await expectTtl(keys.campaign.capPaused(asGateDay('2026-01-02')));
  });
});
