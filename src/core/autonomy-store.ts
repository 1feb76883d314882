import type { Redis } from 'ioredis';
import type { Baseline } from './autonomy.ts';
import type { IcpConfig } from './config.ts';
import type { Keys } from './keys.ts';

/**
 * The decisions people took on autonomy (issue 12): which segments auto-approve, which segment
 * proposals were dismissed (and at how many decisions), the weight changes applied from anneal
 * proposals, whether a person ever reviewed one, and which ISO week's anneal already ran. The
 * counters live in src/core/segment-kpis.ts and the proposal cards in src/core/autonomy-proposals.ts.
 */

/** A segment that auto-approves: who enabled it, when, from which proposal, and its email counters then. */
export interface EnabledSegment {
  by: string;
  at: string;
  proposal: string;
  baseline: Baseline;
}

/** One applied weight change, kept so `caio anneal --revert` can restore the weights before it. */
export interface AppliedAnneal {
  proposal: string;
  by: string;
  at: string;
  before: IcpConfig['weights'];
  after: IcpConfig['weights'];
  from_version: number | null;
  to_version: number;
}

/** A person applied or dismissed a weight proposal: the annealing gate counts the feedback loop as validated. */
export interface AnnealReview {
  by: string;
  at: string;
  action: 'applied' | 'dismissed';
  proposal: string;
}

/** Applied weight changes kept for `--revert` (newest first); older ones are dropped. */
export const ANNEAL_HISTORY_KEEP = 100;
/** A week's anneal claim outlives its ISO week, so no process runs that week's anneal again. */
export const ANNEAL_WEEK_TTL_S = 14 * 86_400;

export interface AutonomyStore {
  enabledSegments(): Promise<Record<string, EnabledSegment>>;
  enabledSegment(segment: string): Promise<EnabledSegment | null>;
  isEnabled(segment: string): Promise<boolean>;
  /** Enables the segment once: true for the first caller (two clicks at once enable it once). */
  enable(segment: string, state: EnabledSegment): Promise<boolean>;
  /** Takes the segment's auto-approval away; true if it had it. */
  disable(segment: string): Promise<boolean>;
  /** The segment's decisions when its last proposal was dismissed; null if none was (or it was cleared). */
  dismissedAt(segment: string): Promise<number | null>;
  recordDismissal(segment: string, decisions: number): Promise<void>;
  clearDismissal(segment: string): Promise<void>;
  annealReviewed(): Promise<boolean>;
  recordAnnealReview(review: AnnealReview): Promise<void>;
  /** Keeps an applied weight change on top of the history and records the review, in one MULTI. */
  recordAppliedAnneal(entry: AppliedAnneal): Promise<void>;
  /** The newest applied change, with the entry as stored (what forgetAppliedAnneal removes). */
  lastAppliedAnneal(): Promise<{ entry: AppliedAnneal; stored: string } | null>;
  /** Removes one applied change (the `stored` of lastAppliedAnneal) after it was reverted. */
  forgetAppliedAnneal(stored: string): Promise<void>;
  /** True only for the first process of the ISO week: that one runs the weekly anneal. */
  claimAnnealWeek(week: string, at: string): Promise<boolean>;
  /** Frees the week after a failed anneal, so the next hour tries again. */
  releaseAnnealWeek(week: string): Promise<void>;
}

export function createAutonomyStore(redis: Redis, keys: Pick<Keys, 'autonomy'>): AutonomyStore {
  const k = keys.autonomy;
  return {
    async enabledSegments() {
      const raw = await redis.hgetall(k.enabled);
      return Object.fromEntries(Object.entries(raw).map(([segment, json]) => [segment, JSON.parse(json) as EnabledSegment]));
    },
    async enabledSegment(segment) {
      const raw = await redis.hget(k.enabled, segment);
      return raw ? (JSON.parse(raw) as EnabledSegment) : null;
    },
    async isEnabled(segment) {
      return (await redis.hexists(k.enabled, segment)) === 1;
    },
    async enable(segment, state) {
      return (await redis.hsetnx(k.enabled, segment, JSON.stringify(state))) === 1;
    },
    async disable(segment) {
      return (await redis.hdel(k.enabled, segment)) > 0;
    },
    async dismissedAt(segment) {
      const raw = await redis.hget(k.dismissed, segment);
      return raw === null ? null : Number(raw);
    },
    async recordDismissal(segment, decisions) {
      await redis.hset(k.dismissed, segment, String(decisions));
    },
    async clearDismissal(segment) {
      await redis.hdel(k.dismissed, segment);
    },
    async annealReviewed() {
      return (await redis.exists(k.annealReviewed)) === 1;
    },
    async recordAnnealReview(review) {
      await redis.set(k.annealReviewed, JSON.stringify({ by: review.by, at: review.at, action: review.action, proposal: review.proposal }));
    },
    async recordAppliedAnneal(entry) {
      await redis
        .multi()
        .lpush(k.annealHistory, JSON.stringify(entry))
        .ltrim(k.annealHistory, 0, ANNEAL_HISTORY_KEEP - 1)
        .set(k.annealReviewed, JSON.stringify({ by: entry.by, at: entry.at, action: 'applied', proposal: entry.proposal }))
        .exec();
    },
    async lastAppliedAnneal() {
      const stored = await redis.lindex(k.annealHistory, 0);
      return stored ? { entry: JSON.parse(stored) as AppliedAnneal, stored } : null;
    },
    async forgetAppliedAnneal(stored) {
      await redis.lrem(k.annealHistory, 1, stored);
    },
    async claimAnnealWeek(week, at) {
      return (await redis.set(k.annealWeek(week), at, 'EX', ANNEAL_WEEK_TTL_S, 'NX')) === 'OK';
    },
    async releaseAnnealWeek(week) {
      await redis.del(k.annealWeek(week));
    },
  };
}
