import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { asUtcDay, utcMonth } from '../../src/core/days.ts';
import { DAY_USAGE_TTL_S, DAY_WARNED_TTL_S, MONTH_USAGE_TTL_S, MONTH_WARNED_TTL_S, createCreditUsage, type CreditUsage } from '../../src/core/credit-usage.ts';
import type { Keys } from '../../src/core/keys.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The credit counters against a real Redis: a reservation counts in the day and the month or in
// neither, refunds give it back, the counters and the warning markers expire, one warning per period.

let redis: Redis;
let keys: Keys;
let usage: CreditUsage;

useIsolatedRedis('credit-usage', (r, k) => {
  redis = r;
  keys = k;
  usage = createCreditUsage(redis, keys);
});

const p = { day: asUtcDay('2026-11-28'), month: utcMonth(new Date('2026-11-28T12:00:00Z')) };

async function expectTtl(key: string, expected: number): Promise<void> {
  const ttl = await redis.ttl(key);
  expect(ttl).toBeGreaterThan(expected - 10);
  expect(ttl).toBeLessThanOrEqual(expected);
}

describe('credit usage', () => {
  it('reserves within both limits, refuses past either, and refunds', async () => {
    expect(await usage.reserve('apollo_reveals', p, 3, { daily: 5, monthly: null })).toBe('ok');
    expect(await usage.reserve('apollo_reveals', p, 3, { daily: 5, monthly: null })).toBe('day');
    expect(await usage.reserve('apollo_reveals', p, 2, { daily: null, monthly: 4 })).toBe('month');
    expect(await usage.used([['apollo_reveals', p.day], ['apollo_reveals', p.month], ['clay_credits', p.day]])).toEqual([3, 3, 0]);
    await expectTtl(keys.creditUsage('apollo_reveals', p.day), DAY_USAGE_TTL_S);
    await expectTtl(keys.creditUsage('apollo_reveals', p.month), MONTH_USAGE_TTL_S);
    await usage.refund('apollo_reveals', p, 2);
    expect(await usage.used([['apollo_reveals', p.day], ['apollo_reveals', p.month]])).toEqual([1, 1]);
  });

  it('lets one caller warn per budget and period', async () => {
    expect(await usage.claimWarning('clay_credits', p.day, 'day')).toBe(true);
    expect(await usage.claimWarning('clay_credits', p.day, 'day')).toBe(false);
    expect(await usage.claimWarning('clay_credits', p.month, 'month')).toBe(true);
    expect(await usage.claimWarning('apollo_reveals', p.day, 'day')).toBe(true);
    await expectTtl(keys.creditWarned('clay_credits', p.day), DAY_WARNED_TTL_S);
    await expectTtl(keys.creditWarned('clay_credits', p.month), MONTH_WARNED_TTL_S);
  });
});
