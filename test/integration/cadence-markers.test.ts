import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CADENCE_SHIFTED_TTL_S, LINKEDIN_ACCEPTED_TTL_S, LINKEDIN_ADDED_TTL_S, createCadenceMarkers, type CadenceMarkers } from '../../src/core/cadence-markers.ts';
import type { Keys } from '../../src/core/keys.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// The cadence's per-lead markers against a real Redis: the NX claims retries rely on, the first
// stop winning, the TTLs, and the values the status and the tests read back.

let redis: Redis;
let keys: Keys;
let markers: CadenceMarkers;

useIsolatedRedis('cadence-markers', (r, k) => {
  redis = r;
  keys = k;
  markers = createCadenceMarkers(redis, keys);
});

async function expectTtl(key: string, expected: number): Promise<void> {
  const ttl = await redis.ttl(key);
  expect(ttl).toBeGreaterThan(expected - 10);
  expect(ttl).toBeLessThanOrEqual(expected);
}

describe('cadence markers', () => {
  it('lets one caller claim the HeyReach add until it is released', async () => {
    expect(await markers.addedToLinkedIn('r-1')).toBe(false);
    expect(await markers.claimLinkedInAdd('r-1')).toBe(true);
    expect(await markers.claimLinkedInAdd('r-1')).toBe(false);
    expect(await markers.addedToLinkedIn('r-1')).toBe(true);
    await expectTtl(keys.cadenceLinkedInAdded('r-1'), LINKEDIN_ADDED_TTL_S);
    await markers.releaseLinkedInAdd('r-1');
    expect(await markers.addedToLinkedIn('r-1')).toBe(false);
    expect(await markers.claimLinkedInAdd('r-1')).toBe(true);
  });

  it('remembers an accepted connection with its time', async () => {
    expect(await markers.connectionAccepted('r-1')).toBe(false);
    await markers.markConnectionAccepted('r-1', '2026-01-02T03:04:05.000Z');
    expect(await markers.connectionAccepted('r-1')).toBe(true);
    expect(await redis.get(keys.linkedinAccepted('r-1'))).toBe('2026-01-02T03:04:05.000Z');
    await expectTtl(keys.linkedinAccepted('r-1'), LINKEDIN_ACCEPTED_TTL_S);
  });

  it('keeps the first stop of a lead and reports it once', async () => {
    expect(await markers.leadStopped('r-1')).toBe(false);
    expect(await markers.stopLead('r-1', 'replied', '2026-01-02T00:00:00.000Z')).toBe(true);
    expect(await markers.stopLead('r-1', 'bounced', '2026-01-03T00:00:00.000Z')).toBe(false);
    expect(await markers.leadStopped('r-1')).toBe(true);
    expect(JSON.parse((await redis.hget(keys.cadenceStoppedRefs, 'r-1')) ?? '{}')).toEqual({ reason: 'replied', at: '2026-01-02T00:00:00.000Z' });
  });

  it('records the latest stop of an address', async () => {
    await markers.stopAddress('a@b.c', { reason: 'bounced', at: '2026-01-02T00:00:00.000Z', campaign_id: null });
    await markers.stopAddress('a@b.c', { reason: 'replied', at: '2026-01-03T00:00:00.000Z', campaign_id: 'c-1' });
    expect(await redis.hgetall(keys.webhooks.cadenceStopped)).toEqual({ 'a@b.c': JSON.stringify({ reason: 'replied', at: '2026-01-03T00:00:00.000Z', campaign_id: 'c-1' }) });
  });

  it('shifts a step once per event', async () => {
    expect(await markers.claimShift('r-1-cadence-linkedin2', 'instantly-ev:1')).toBe(true);
    expect(await markers.claimShift('r-1-cadence-linkedin2', 'instantly-ev:1')).toBe(false);
    expect(await markers.claimShift('r-1-cadence-linkedin2', 'instantly-ev:2')).toBe(true);
    await expectTtl(keys.cadenceShifted('r-1-cadence-linkedin2', 'instantly-ev:1'), CADENCE_SHIFTED_TTL_S);
  });
});
