import type { Redis } from 'ioredis';
import type { CampaignProblem } from './campaign.ts';
import type { Keys } from './keys.ts';

/**
 * The campaign preflight's shared state (DESIGN §9, src/jobs/campaign-preflight.ts): the last
 * result every process reads, the signature of the failing checks last alerted, and two short
 * claims that keep the processes from doing the same provider call at once. The claims' lifetimes
 * are the preflight's recheck period (config), so they are passed in rather than fixed here.
 */

/** The last preflight of the Instantly campaign, shared by every process. */
export interface PreflightResult {
  campaign_id: string;
  campaign_name: string | null;
  ok: boolean;
  problems: CampaignProblem[];
  /** When the campaign was last read (or definitely refused). */
  checked_at: string;
  status: number | null;
  daily_limit: number | null;
  email_steps: number;
  stop_on_reply: boolean | null;
  /** The last read failed in passing (5xx, no answer): this older result was kept. */
  stale_error?: string | null;
}

export interface PreflightStore {
  /** The last stored result (null before any check). */
  read(): Promise<PreflightResult | null>;
  /** Replaces the shared result (kept until the next one). */
  save(result: PreflightResult): Promise<void>;
  /** Records the signature of the failing checks about to be alerted; returns the one recorded before (null: none). */
  swapAlerted(signature: string): Promise<string | null>;
  /** Forgets the alerted signature (the campaign passes again); returns it (null: nothing was alerted). */
  clearAlerted(): Promise<string | null>;
  /**
   * Claims the daily_limit write of `claim` (`{campaign}|{cap}`) for `ttlMs`: false when the same
   * value is already claimed (another process writes it). The claim is (re)written either way.
   */
  claimDailyLimitWrite(claim: string, ttlMs: number): Promise<boolean>;
  /** Drops the claim after a failed write, so the next try may write it. */
  releaseDailyLimitWrite(): Promise<void>;
  /** True for the one process that refreshes a stale result now; never released, it expires after `ttlMs`. */
  claimRefresh(token: string, ttlMs: number): Promise<boolean>;
}

export function createPreflightStore(redis: Redis, keys: Pick<Keys, 'campaign'>): PreflightStore {
  const k = keys.campaign;
  return {
    async read() {
      const raw = await redis.get(k.preflight);
      return raw ? (JSON.parse(raw) as PreflightResult) : null;
    },
    async save(result) {
      await redis.set(k.preflight, JSON.stringify(result));
    },
    swapAlerted: (signature) => redis.set(k.preflightAlerted, signature, 'GET'),
    clearAlerted: () => redis.getdel(k.preflightAlerted),
    async claimDailyLimitWrite(claim, ttlMs) {
      return (await redis.set(k.dailyLimitSynced, claim, 'PX', ttlMs, 'GET')) !== claim;
    },
    async releaseDailyLimitWrite() {
      await redis.del(k.dailyLimitSynced);
    },
    async claimRefresh(token, ttlMs) {
      return (await redis.set(k.preflightLock, token, 'PX', ttlMs, 'NX')) === 'OK';
    },
  };
}
