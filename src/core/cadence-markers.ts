import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/**
 * The per-lead markers of the cadence after the first email (src/jobs/cadence.ts,
 * src/jobs/lead-actions.ts, the webhook processors): added to HeyReach, connection accepted,
 * cadence stopped (by ref and by address), and which steps an out-of-office already shifted.
 * The LinkedIn step and a stop race each other on purpose: each writes its marker before it
 * reads the other's, so one of the two always sees the other (see the callers).
 */

/** The "added to the HeyReach campaign" claim outlives the LinkedIn sequence (days 2-14) with room to spare. */
export const LINKEDIN_ADDED_TTL_S = 60 * 86_400;
/** An accepted connection is remembered beyond the last LinkedIn message step. */
export const LINKEDIN_ACCEPTED_TTL_S = 90 * 86_400;
/** A step shifted for one out-of-office event: longer than any cadence, so a late retry shifts nothing twice. */
export const CADENCE_SHIFTED_TTL_S = 30 * 86_400;

/** Why and when an address's cadence was stopped (an Instantly bounce, unsubscribe or reply). */
export interface AddressStop {
  reason: string;
  at: string;
  campaign_id: string | null;
}

export interface CadenceMarkers {
  /** True only for the first caller: that one adds the lead to the HeyReach campaign. */
  claimLinkedInAdd(ref: string): Promise<boolean>;
  /** Forgets the claim after a failed add, so the retry adds it again. */
  releaseLinkedInAdd(ref: string): Promise<void>;
  /** Whether the lead was (being) added to HeyReach: a stop must then stop it there too. */
  addedToLinkedIn(ref: string): Promise<boolean>;
  markConnectionAccepted(ref: string, at: string): Promise<void>;
  connectionAccepted(ref: string): Promise<boolean>;
  /** Marks the lead's cadence stopped; true the first time (the first reason and time are kept). */
  stopLead(ref: string, reason: string, at: string): Promise<boolean>;
  leadStopped(ref: string): Promise<boolean>;
  /** Records (again) why an address's cadence was stopped; the latest event wins. */
  stopAddress(email: string, stop: AddressStop): Promise<void>;
  /** True only the first time a cadence job is shifted for this event. */
  claimShift(jobId: string, eventId: string): Promise<boolean>;
}

export function createCadenceMarkers(redis: Redis, keys: Pick<Keys, 'cadenceLinkedInAdded' | 'linkedinAccepted' | 'cadenceStoppedRefs' | 'cadenceShifted' | 'webhooks'>): CadenceMarkers {
  return {
    async claimLinkedInAdd(ref) {
      return (await redis.set(keys.cadenceLinkedInAdded(ref), '1', 'EX', LINKEDIN_ADDED_TTL_S, 'NX')) === 'OK';
    },
    async releaseLinkedInAdd(ref) {
      await redis.del(keys.cadenceLinkedInAdded(ref));
    },
    async addedToLinkedIn(ref) {
      return (await redis.exists(keys.cadenceLinkedInAdded(ref))) === 1;
    },
    async markConnectionAccepted(ref, at) {
      await redis.set(keys.linkedinAccepted(ref), at, 'EX', LINKEDIN_ACCEPTED_TTL_S);
    },
    async connectionAccepted(ref) {
      return (await redis.exists(keys.linkedinAccepted(ref))) === 1;
    },
    async stopLead(ref, reason, at) {
      return (await redis.hsetnx(keys.cadenceStoppedRefs, ref, JSON.stringify({ reason, at }))) === 1;
    },
    async leadStopped(ref) {
      return (await redis.hexists(keys.cadenceStoppedRefs, ref)) === 1;
    },
    async stopAddress(email, stop) {
      await redis.hset(keys.webhooks.cadenceStopped, email, JSON.stringify({ reason: stop.reason, at: stop.at, campaign_id: stop.campaign_id }));
    },
    async claimShift(jobId, eventId) {
      return (await redis.set(keys.cadenceShifted(jobId, eventId), '1', 'EX', CADENCE_SHIFTED_TTL_S, 'NX')) === 'OK';
    },
  };
}
