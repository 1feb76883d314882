import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Keys } from '../../src/core/keys.ts';
import { createPreflightStore, type PreflightResult, type PreflightStore } from '../../src/core/preflight-store.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The campaign preflight's shared state against a real Redis: the result round-trips and is
// kept, the alert signature swaps (GET), and the two claims (SET GET, SET NX) expire.

let redis: Redis;
let keys: Keys;
let shared: PreflightStore;

useIsolatedRedis('preflight-store', (r, k) => {
  redis = r;
  keys = k;
  shared = createPreflightStore(redis, keys);
});

const result: PreflightResult = {
  campaign_id: 'c-1',
  campaign_name: 'Outbound',
  ok: false,
  problems: [{ check: 'reachable', message: 'HTTP 500' }],
  checked_at: '2026-01-02T00:00:00.000Z',
  status: 1,
  daily_limit: 30,
  email_steps: 5,
  stop_on_reply: true,
  stale_error: null,
};

async function expectPttl(key: string, max: number): Promise<void> {
  const ttl = await redis.pttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(max);
}

describe('preflight store', () => {
  it('keeps the last result until the next one', async () => {
    expect(await shared.read()).toBeNull();
    await shared.save(result);
    expect(await shared.read()).toEqual(result);
    expect(await redis.ttl(keys.campaign.preflight)).toBe(-1);
    await shared.save({ ...result, ok: true, problems: [] });
    expect((await shared.read())?.ok).toBe(true);
  });

  it('swaps the alerted signature and clears it once', async () => {
    expect(await shared.swapAlerted('sig-1')).toBeNull();
    expect(await shared.swapAlerted('sig-1')).toBe('sig-1');
    expect(await shared.swapAlerted('sig-2')).toBe('sig-1');
    expect(await shared.clearAlerted()).toBe('sig-2');
    expect(await shared.clearAlerted()).toBeNull();
  });

  it('claims the daily_limit write per value, for the recheck period, until released', async () => {
    expect(await shared.claimDailyLimitWrite('c-1|30', 5_000)).toBe(true);
    expect(await shared.claimDailyLimitWrite('c-1|30', 5_000)).toBe(false);
    await expectPttl(keys.campaign.dailyLimitSynced, 5_000);
    // Another value takes the claim over.
    expect(await shared.claimDailyLimitWrite('c-1|40', 5_000)).toBe(true);
    expect(await redis.get(keys.campaign.dailyLimitSynced)).toBe('c-1|40');
    await shared.releaseDailyLimitWrite();
    expect(await shared.claimDailyLimitWrite('c-1|40', 5_000)).toBe(true);
  });

  it('lets one process refresh a stale result per recheck period', async () => {
    expect(await shared.claimRefresh('t-1', 5_000)).toBe(true);
    expect(await shared.claimRefresh('t-2', 5_000)).toBe(false);
    expect(await redis.get(keys.campaign.preflightLock)).toBe('t-1');
    await expectPttl(keys.campaign.preflightLock, 5_000);
  });
});
