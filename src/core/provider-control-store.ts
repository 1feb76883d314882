import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/**
 * The wanted and confirmed pause/activate of one provider's campaign (DESIGN §9), one hash per
 * provider. Every request bumps `seq`; the provider-control worker (src/jobs/provider-pause.ts)
 * confirms or gives up a given `seq`, so a request made while a call is in flight is never
 * mistaken for the one the provider confirmed.
 */

export type ControlAction = 'pause' | 'activate';

/** The wanted and confirmed state of one provider's campaign, as status shows it. */
export interface ProviderControlRecord<P extends string = string> {
  provider: P;
  campaign_id: string;
  want: ControlAction;
  seq: number;
  requested_at: string;
  requested_by: string;
  reason: string;
  /** Calls made for the current request so far. */
  attempts: number;
  last_error: string | null;
  /** The last request the provider confirmed (it may be an older one). */
  confirmed: { seq: number; action: ControlAction; at: string } | null;
  /** The current request was given up (a definite refusal, or every attempt used). */
  gave_up: boolean;
}

export interface ProviderControlStore {
  /** The provider's state; null before its first request. `campaignId` stands in for a hash written without one. */
  read<P extends string>(provider: P, campaignId: string): Promise<ProviderControlRecord<P> | null>;
  /** A new wanted state: the next `seq`, with fresh attempts and no error (one MULTI). */
  request(provider: string, request: { want: ControlAction; campaign_id: string; requested_by: string; reason: string }): Promise<void>;
  /** One more call made for the current request. */
  countAttempt(provider: string): Promise<void>;
  recordError(provider: string, error: string): Promise<void>;
  /** The provider confirmed `action` for request `seq`. */
  confirm(provider: string, seq: number, action: ControlAction): Promise<void>;
  /** Request `seq` was given up. */
  giveUp(provider: string, seq: number): Promise<void>;
}

export function createProviderControlStore(redis: Redis, keys: Pick<Keys, 'campaign'>): ProviderControlStore {
  const key = (provider: string) => keys.campaign.control(provider);
  return {
    async read(provider, campaignId) {
      const h = await redis.hgetall(key(provider));
      if (!h.seq || (h.want !== 'pause' && h.want !== 'activate')) return null;
      const confirmedSeq = Number(h.confirmed_seq ?? NaN);
      return {
        provider,
        campaign_id: h.campaign_id ?? campaignId,
        want: h.want,
        seq: Number(h.seq),
        requested_at: h.requested_at ?? '',
        requested_by: h.requested_by ?? '',
        reason: h.reason ?? '',
        attempts: Number(h.attempts ?? 0),
        last_error: h.last_error || null,
        confirmed: Number.isFinite(confirmedSeq) && (h.confirmed === 'pause' || h.confirmed === 'activate') ? { seq: confirmedSeq, action: h.confirmed, at: h.confirmed_at ?? '' } : null,
        gave_up: h.gave_up_seq === h.seq,
      };
    },
    async request(provider, r) {
      await redis
        .multi()
        .hincrby(key(provider), 'seq', 1)
        .hset(key(provider), { want: r.want, campaign_id: r.campaign_id, requested_at: new Date().toISOString(), requested_by: r.requested_by, reason: r.reason, attempts: 0, last_error: '' })
        .exec();
    },
    async countAttempt(provider) {
      await redis.hincrby(key(provider), 'attempts', 1);
    },
    async recordError(provider, error) {
      await redis.hset(key(provider), 'last_error', error);
    },
    async confirm(provider, seq, action) {
      await redis.hset(key(provider), { confirmed_seq: seq, confirmed: action, confirmed_at: new Date().toISOString(), last_error: '' });
    },
    async giveUp(provider, seq) {
      await redis.hset(key(provider), 'gave_up_seq', seq);
    },
  };
}
