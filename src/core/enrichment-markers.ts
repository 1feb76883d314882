import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { loadScripts } from './lua.ts';
import type { ClayResumeResult } from './ports.ts';

/**
 * The per-lead markers of the enrich stage (src/jobs/enrich.ts): the Clay wait, the "already
 * submitted to Clay" claim, the Clay result the callback stored, and BetterContact's request id.
 * The Clay callback (src/jobs/clay-resume.ts) records the result and reads the wait in one script
 * (lua/record-clay-result.lua); the job reads the result and closes the wait.
 */

/** The wait marker outlives the job's own deadline by this much: the job closes it itself when it times out. */
export const CLAY_WAIT_GRACE_MS = 60_000;
/** A Clay submission is remembered for a week, so a retried job never posts the row twice. */
export const CLAY_SUBMITTED_TTL_S = 7 * 86_400;
/** BetterContact's submit is not idempotent: its request id is kept a week, longer than any poll. */
export const BETTERCONTACT_REQUEST_TTL_S = 7 * 86_400;
/** A lead's Clay result outlives any wait for it (the enrichment timeout is minutes). */
export const CLAY_RESULT_TTL_S = 7 * 24 * 3600;
/** Late callbacks are kept for operators to look at, bounded in count and time. */
export const CLAY_LATE_KEEP = 1_000;
export const CLAY_LATE_TTL_S = 7 * 24 * 3600;

export interface EnrichmentMarkers {
  /** Opens the lead's Clay wait until `deadline` (ms); a callback that finds it counts as on time. */
  openClayWait(ref: string, deadline: number, timeoutMs: number): Promise<void>;
  /** Closes the wait (a result was used). */
  closeClayWait(ref: string): Promise<void>;
  /** Closes the wait and reads the result in one step: a result is either returned now or recorded as late by the callback. */
  closeClayWaitWithLastLook(ref: string): Promise<string | null>;
  /** The Clay callback's payload (JSON) for the lead, if it came. */
  clayResult(ref: string): Promise<string | null>;
  /** True only for the first caller: that one submits the lead to Clay. */
  claimClaySubmit(ref: string): Promise<boolean>;
  /** Forgets the claim after a failed submit, so the retry submits again. */
  releaseClaySubmit(ref: string): Promise<void>;
  betterContactRequest(ref: string): Promise<string | null>;
  rememberBetterContactRequest(ref: string, requestId: string): Promise<void>;
  /**
   * The Clay callback's side: records the first result for a known lead; `applied` while the lead
   * waits (wake its job), `late` after the wait closed (listed for operators), else a duplicate or
   * an unknown lead.
   */
  recordClayResult(ref: string, payload: string): Promise<ClayResumeResult>;
}

export function createEnrichmentMarkers(redis: Redis, keys: Pick<Keys, 'lead' | 'clayWait' | 'clayResult' | 'clayLate' | 'claySubmitted' | 'betterContactRequest'>): EnrichmentMarkers {
  const scripts = loadScripts(redis);
  return {
    async openClayWait(ref, deadline, timeoutMs) {
      await redis.set(keys.clayWait(ref), String(deadline), 'PX', timeoutMs + CLAY_WAIT_GRACE_MS);
    },
    async closeClayWait(ref) {
      await redis.del(keys.clayWait(ref));
    },
    async closeClayWaitWithLastLook(ref) {
      const [, [, last]] = (await redis.multi().del(keys.clayWait(ref)).get(keys.clayResult(ref)).exec()) as [[null, number], [null, string | null]];
      return last;
    },
    clayResult: (ref) => redis.get(keys.clayResult(ref)),
    async claimClaySubmit(ref) {
      return (await redis.set(keys.claySubmitted(ref), '1', 'EX', CLAY_SUBMITTED_TTL_S, 'NX')) === 'OK';
    },
    async releaseClaySubmit(ref) {
      await redis.del(keys.claySubmitted(ref));
    },
    betterContactRequest: (ref) => redis.get(keys.betterContactRequest(ref)),
    async rememberBetterContactRequest(ref, requestId) {
      await redis.set(keys.betterContactRequest(ref), requestId, 'EX', BETTERCONTACT_REQUEST_TTL_S);
    },
    recordClayResult: async (ref, payload) =>
      (await scripts.recordClayResult(
        { lead: keys.lead(ref), result: keys.clayResult(ref), wait: keys.clayWait(ref), late: keys.clayLate },
        { payload, ref, lateKeep: CLAY_LATE_KEEP, lateTtlS: CLAY_LATE_TTL_S, resultTtlS: CLAY_RESULT_TTL_S },
      )) as ClayResumeResult,
  };
}
