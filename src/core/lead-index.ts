import type { Redis } from 'ioredis';
import { normaliseEmail } from './email.ts';
import type { Keys } from './keys.ts';
import { normaliseLinkedInUrl } from './linkedin-url.ts';

/**
 * How a provider event finds its pipeline lead, and the lead's GoHighLevel tags. A lead is indexed
 * by its normalised address and LinkedIn URL once CAIO really mailed it (src/jobs/lead-actions.ts),
 * so a reply, bounce or accepted connection about anyone else finds nothing. The tags are kept
 * here in full because GHL's upsert replaces a contact's tags wholesale.
 */
export interface LeadIndex {
  /** Indexes a lead CAIO just mailed and adds its base tags, in one MULTI. */
  indexMailedLead(lead: { ref: string; email: string | null; linkedin_url: string | null | undefined }, tags: string[]): Promise<void>;
  /** The ref of the mailed lead with this address, else this LinkedIn profile; null if CAIO never mailed it. */
  findRef(by: { email: string | null; linkedin_url: string | null | undefined }): Promise<string | null>;
  /** The ref of the mailed lead with this address (normalised here). */
  refByEmail(email: string): Promise<string | null>;
  /** The lead's tags, sorted (the upsert sends the same list for the same set). */
  tags(ref: string): Promise<string[]>;
  /** Removes then adds tags, in one MULTI. */
  changeTags(ref: string, add: string[], remove: string[]): Promise<void>;
}

export function createLeadIndex(redis: Redis, keys: Pick<Keys, 'leadByEmail' | 'leadByLinkedIn' | 'leadTags'>): LeadIndex {
  return {
    async indexMailedLead(lead, tags) {
      const multi = redis.multi();
      if (lead.email) multi.hset(keys.leadByEmail, normaliseEmail(lead.email), lead.ref);
      const url = normaliseLinkedInUrl(lead.linkedin_url);
      if (url) multi.hset(keys.leadByLinkedIn, url, lead.ref);
      multi.sadd(keys.leadTags(lead.ref), ...tags);
      await multi.exec();
    },
    async findRef(by) {
      const url = normaliseLinkedInUrl(by.linkedin_url);
      const [byEmail, byUrl] = await Promise.all([
        by.email ? redis.hget(keys.leadByEmail, normaliseEmail(by.email)) : null,
        url ? redis.hget(keys.leadByLinkedIn, url) : null,
      ]);
      return byEmail ?? byUrl;
    },
    refByEmail: (email) => redis.hget(keys.leadByEmail, normaliseEmail(email)),
    async tags(ref) {
      return (await redis.smembers(keys.leadTags(ref))).sort();
    },
    async changeTags(ref, add, remove) {
      const multi = redis.multi();
      if (remove.length > 0) multi.srem(keys.leadTags(ref), ...remove);
      if (add.length > 0) multi.sadd(keys.leadTags(ref), ...add);
      await multi.exec();
    },
  };
}
