import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createProposals } from '../../src/core/autonomy-proposals.ts';
import { ANNEAL_HISTORY_KEEP, ANNEAL_WEEK_TTL_S, createAutonomyStore, type AppliedAnneal, type AutonomyStore, type EnabledSegment } from '../../src/core/autonomy-store.ts';
import type { Keys } from '../../src/core/keys.ts';
import { useIsolatedRedis } from '../helpers/isolated-redis.ts';

// What people decided about autonomy, against a real Redis: enabling once, dismissals, the applied
// weight history (bounded, newest first) with its review, and the weekly anneal's claim.

let redis: Redis;
let keys: Keys;
let store: AutonomyStore;

useIsolatedRedis('autonomy-store', (r, k) => {
  redis = r;
  keys = k;
  store = createAutonomyStore(redis, keys);
});

const enabled = (by: string): EnabledSegment => ({ by, at: '2026-01-02T00:00:00.000Z', proposal: 'ap_0123456789abcdef', baseline: { sent: 10, bounced: 1, replied: 2 } });
const applied = (proposal: string): AppliedAnneal => ({ proposal, by: 'U1', at: '2026-01-02T00:00:00.000Z', before: {} as AppliedAnneal['before'], after: {} as AppliedAnneal['after'], from_version: 1, to_version: 2 });

describe('autonomy store', () => {
  it('enables a segment once and disables it once', async () => {
    expect(await store.isEnabled('default/A')).toBe(false);
    expect(await store.enabledSegment('default/A')).toBeNull();
    expect(await store.enable('default/A', enabled('U1'))).toBe(true);
    expect(await store.enable('default/A', enabled('U2'))).toBe(false);
    expect(await store.isEnabled('default/A')).toBe(true);
    expect(await store.enabledSegment('default/A')).toEqual(enabled('U1'));
    expect(await store.enabledSegments()).toEqual({ 'default/A': enabled('U1') });
    expect(await store.disable('default/A')).toBe(true);
    expect(await store.disable('default/A')).toBe(false);
    expect(await store.enabledSegments()).toEqual({});
  });

  it('remembers the decisions a segment was dismissed at until cleared', async () => {
    expect(await store.dismissedAt('default/A')).toBeNull();
    await store.recordDismissal('default/A', 42);
    expect(await redis.hget(keys.autonomy.dismissed, 'default/A')).toBe('42');
    expect(await store.dismissedAt('default/A')).toBe(42);
    await store.clearDismissal('default/A');
    expect(await store.dismissedAt('default/A')).toBeNull();
  });

  it('records a dismissed weight proposal as reviewed', async () => {
    expect(await store.annealReviewed()).toBe(false);
    await store.recordAnnealReview({ by: 'U1', at: '2026-01-02T00:00:00.000Z', action: 'dismissed', proposal: 'ap_1' });
    expect(await store.annealReviewed()).toBe(true);
    expect(JSON.parse((await redis.get(keys.autonomy.annealReviewed)) ?? '{}')).toEqual({ by: 'U1', at: '2026-01-02T00:00:00.000Z', action: 'dismissed', proposal: 'ap_1' });
  });

  it('keeps applied weight changes newest first, bounded, reviewed, and forgets a reverted one', async () => {
    expect(await store.lastAppliedAnneal()).toBeNull();
    for (let i = 0; i < ANNEAL_HISTORY_KEEP + 2; i++) await store.recordAppliedAnneal(applied(`ap_${i}`));
    expect(await redis.llen(keys.autonomy.annealHistory)).toBe(ANNEAL_HISTORY_KEEP);
    const last = await store.lastAppliedAnneal();
    expect(last?.entry).toEqual(applied(`ap_${ANNEAL_HISTORY_KEEP + 1}`));
    expect(JSON.parse((await redis.get(keys.autonomy.annealReviewed)) ?? '{}')).toEqual({ by: 'U1', at: '2026-01-02T00:00:00.000Z', action: 'applied', proposal: `ap_${ANNEAL_HISTORY_KEEP + 1}` });
    await store.forgetAppliedAnneal(last!.stored);
    expect((await store.lastAppliedAnneal())?.entry.proposal).toBe(`ap_${ANNEAL_HISTORY_KEEP}`);
  });

  it('lets one process claim an ISO week until it releases it', async () => {
    expect(await store.claimAnnealWeek('2026-W07', '2026-02-10T00:00:00.000Z')).toBe(true);
    expect(await store.claimAnnealWeek('2026-W07', '2026-02-10T01:00:00.000Z')).toBe(false);
    expect(await redis.get(keys.autonomy.annealWeek('2026-W07'))).toBe('2026-02-10T00:00:00.000Z');
    const ttl = await redis.ttl(keys.autonomy.annealWeek('2026-W07'));
    expect(ttl).toBeGreaterThan(ANNEAL_WEEK_TTL_S - 10);
    expect(ttl).toBeLessThanOrEqual(ANNEAL_WEEK_TTL_S);
    await store.releaseAnnealWeek('2026-W07');
    expect(await store.claimAnnealWeek('2026-W07', '2026-02-10T02:00:00.000Z')).toBe(true);
  });
});

describe('proposals: superseding after the decision', () => {
  it('names the replacement and marks a decided proposal superseded', async () => {
    const proposals = createProposals(redis, keys);
    const { proposal } = await proposals.create({ subject: 'anneal', data: { kind: 'segment', segment: 'default/A', decisions: 3, clean: 3 }, fingerprint: 'f', by: 'system' });
    expect((await proposals.decide(proposal.id, 'applied', 'U1')).ok).toBe(true);
    await proposals.markSuperseded(proposal.id);
    await proposals.setSupersededBy(proposal.id, 'ap_ffffffffffffffff');
    expect(await proposals.get(proposal.id)).toMatchObject({ status: 'superseded', decided_by: 'U1', superseded_by: 'ap_ffffffffffffffff' });
  });
});
