import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

/**
 * A Clay webhook takes a fixed number of submissions in its lifetime (src/providers/clay.ts): the
 * rows posted to one webhook (by a hash of its URL, so a new webhook starts from zero) and the
 * marker of its one "nearly used up" warning. Neither expires: the webhook's cap never resets.
 */
export interface ClayWebhookUsage {
  /** Counts one more row posted; returns the webhook's total. */
  countSubmission(webhookId: string): Promise<number>;
  submissions(webhookId: string): Promise<number>;
  /** True only for the first caller: that one posts the warning. */
  claimWarning(webhookId: string): Promise<boolean>;
}

export function createClayWebhookUsage(redis: Redis, keys: Pick<Keys, 'clayWebhookCount' | 'clayWebhookWarned'>): ClayWebhookUsage {
  return {
    countSubmission: (webhookId) => redis.incr(keys.clayWebhookCount(webhookId)),
    async submissions(webhookId) {
      return Number((await redis.get(keys.clayWebhookCount(webhookId))) ?? 0);
    },
    async claimWarning(webhookId) {
      return (await redis.set(keys.clayWebhookWarned(webhookId), '1', 'NX')) === 'OK';
    },
  };
}
