import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Keys } from '../../src/core/keys.ts';
import {
  BETTERCONTACT_REQUEST_TTL_S,
  CLAY_LATE_TTL_S,
  CLAY_RESULT_TTL_S,
  CLAY_SUBMITTED_TTL_S,
  CLAY_WAIT_GRACE_MS,
  createEnrichmentMarkers,
  type EnrichmentMarkers,
} from '../../src/core/enrichment-markers.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The enrich stage's per-lead markers against a real Redis: the keys they write, their TTLs, and
// the NX claim a retried job relies on.

let redis: Redis;
let keys: Keys;
let markers: EnrichmentMarkers;

useIsolatedRedis('enrich-markers', (r, k) => {
  redis = r;
  keys = k;
  markers = createEnrichmentMarkers(redis, keys);
});

describe('enrichment markers', () => {
  it('opens the Clay wait with the deadline, for the timeout plus the grace', async () => {
    await markers.openClayWait('r-1', 1_234, 10_000);
    expect(await redis.get(keys.clayWait('r-1'))).toBe('1234');
    const ttl = await redis.pttl(keys.clayWait('r-1'));
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(10_000 + CLAY_WAIT_GRACE_MS);
    await markers.closeClayWait('r-1');
    expect(await redis.exists(keys.clayWait('r-1'))).toBe(0);
  });

  it('closes the wait and reads the result in one step', async () => {
    await markers.openClayWait('r-1', 1, 1_000);
    expect(await markers.closeClayWaitWithLastLook('r-1')).toBeNull();
    expect(await redis.exists(keys.clayWait('r-1'))).toBe(0);

    await markers.openClayWait('r-2', 1, 1_000);
    await redis.set(keys.clayResult('r-2'), '{"email":"a@b.c"}');
    expect(await markers.clayResult('r-2')).toBe('{"email":"a@b.c"}');
    expect(await markers.closeClayWaitWithLastLook('r-2')).toBe('{"email":"a@b.c"}');
    expect(await redis.exists(keys.clayWait('r-2'))).toBe(0);
    // The result itself stays (the callback's TTL governs it).
    expect(await markers.clayResult('r-2')).toBe('{"email":"a@b.c"}');
  });

  it('lets one caller claim the Clay submit until it is released, for a week', async () => {
    expect(await markers.claimClaySubmit('r-1')).toBe(true);
    expect(await markers.claimClaySubmit('r-1')).toBe(false);
    const ttl = await redis.ttl(keys.claySubmitted('r-1'));
    expect(ttl).toBeGreaterThan(CLAY_SUBMITTED_TTL_S - 10);
    expect(ttl).toBeLessThanOrEqual(CLAY_SUBMITTED_TTL_S);
    await markers.releaseClaySubmit('r-1');
    expect(await markers.claimClaySubmit('r-1')).toBe(true);
  });

  it('remembers the BetterContact request id for a week', async () => {
    expect(await markers.betterContactRequest('r-1')).toBeNull();
    await markers.rememberBetterContactRequest('r-1', 'req-9');
    expect(await markers.betterContactRequest('r-1')).toBe('req-9');
    const ttl = await redis.ttl(keys.betterContactRequest('r-1'));
    expect(ttl).toBeGreaterThan(BETTERCONTACT_REQUEST_TTL_S - 10);
    expect(ttl).toBeLessThanOrEqual(BETTERCONTACT_REQUEST_TTL_S);
  });

  it('records the first Clay callback of a known lead: applied while it waits, late after', async () => {
    expect(await markers.recordClayResult('r-1', '{"email":"a@b.c"}')).toBe('unknown_lead');
    await redis.hset(keys.lead('r-1'), { ref: '"r-1"' });
    await markers.openClayWait('r-1', Date.now() + 10_000, 10_000);
    expect(await markers.recordClayResult('r-1', '{"email":"a@b.c"}')).toBe('applied');
    expect(await markers.recordClayResult('r-1', '{"email":"x@y.z"}')).toBe('duplicate');
    expect(await markers.clayResult('r-1')).toBe('{"email":"a@b.c"}');
    const ttl = await redis.ttl(keys.clayResult('r-1'));
    expect(ttl).toBeGreaterThan(CLAY_RESULT_TTL_S - 10);
    expect(ttl).toBeLessThanOrEqual(CLAY_RESULT_TTL_S);

    await redis.hset(keys.lead('r-2'), { ref: '"r-2"' });
    expect(await markers.recordClayResult('r-2', '{"email":"late@b.c"}')).toBe('late');
    expect(await redis.lrange(keys.clayLate, 0, -1)).toEqual(['r-2']);
    expect(await redis.ttl(keys.clayLate)).toBeLessThanOrEqual(CLAY_LATE_TTL_S);
    expect(await redis.ttl(keys.clayLate)).toBeGreaterThan(CLAY_LATE_TTL_S - 10);
  });
});
