import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Keys } from '../../src/core/keys.ts';
import { createProviderControlStore, type ProviderControlStore } from '../../src/core/provider-control-store.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// One provider's wanted/confirmed campaign state against a real Redis: each request is a new seq
// with fresh attempts, a confirmation or a give-up belongs to one seq, and the hash round-trips.

let redis: Redis;
let keys: Keys;
let control: ProviderControlStore;

useIsolatedRedis('provider-control', (r, k) => {
  redis = r;
  keys = k;
  control = createProviderControlStore(redis, keys);
});

describe('provider control store', () => {
  it('reads nothing before the first request', async () => {
    expect(await control.read('instantly', 'c-1')).toBeNull();
  });

  it('records requests, attempts, errors and the confirmation of one seq', async () => {
    await control.request('instantly', { want: 'pause', campaign_id: 'c-1', requested_by: 'U1', reason: 'stop' });
    await control.countAttempt('instantly');
    await control.recordError('instantly', 'HTTP 500');
    let state = await control.read('instantly', 'fallback');
    expect(state).toMatchObject({ provider: 'instantly', campaign_id: 'c-1', want: 'pause', seq: 1, requested_by: 'U1', reason: 'stop', attempts: 1, last_error: 'HTTP 500', confirmed: null, gave_up: false });
    expect(Date.parse(state?.requested_at ?? '')).not.toBeNaN();

    await control.countAttempt('instantly');
    await control.confirm('instantly', 1, 'pause');
    state = await control.read('instantly', 'fallback');
    expect(state).toMatchObject({ attempts: 2, last_error: null, confirmed: { seq: 1, action: 'pause' }, gave_up: false });

    // A new request: next seq, fresh attempts; the older confirmation stays as it was.
    await control.request('instantly', { want: 'activate', campaign_id: 'c-1', requested_by: 'U2', reason: 'resume' });
    state = await control.read('instantly', 'fallback');
    expect(state).toMatchObject({ want: 'activate', seq: 2, attempts: 0, last_error: null, confirmed: { seq: 1, action: 'pause' }, gave_up: false });
    // No TTL: the wanted state holds until the next request.
    expect(await redis.ttl(keys.campaign.control('instantly'))).toBe(-1);
  });

  it('gives up one seq only: the next request is live again', async () => {
    await control.request('heyreach', { want: 'pause', campaign_id: '', requested_by: 'system', reason: 'cap' });
    await control.giveUp('heyreach', 1);
    expect(await control.read('heyreach', 'h-9')).toMatchObject({ campaign_id: '', gave_up: true });
    await control.request('heyreach', { want: 'pause', campaign_id: 'h-9', requested_by: 'system', reason: 'cap' });
    expect(await control.read('heyreach', 'h-9')).toMatchObject({ seq: 2, gave_up: false });
  });

  it('uses the campaign id given when the hash has none, and ignores a hash without a valid want', async () => {
    await redis.hset(keys.campaign.control('instantly'), { seq: 3, want: 'pause' });
    expect(await control.read('instantly', 'c-7')).toMatchObject({ campaign_id: 'c-7', seq: 3, attempts: 0, requested_at: '' });
    await redis.hset(keys.campaign.control('instantly'), 'want', 'bogus');
    expect(await control.read('instantly', 'c-7')).toBeNull();
  });
});
