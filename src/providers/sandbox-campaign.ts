import type { Redis } from 'ioredis';
import { wellFormedCampaign, type Campaign } from '../core/campaign.ts';
import type { Keys } from '../core/keys.ts';
import type { ProviderCampaigns } from './campaign-types.ts';

/** The sandbox Instantly campaign's id (there is no INSTANTLY_CAMPAIGN_ID in sandbox mode). */
export const SANDBOX_CAMPAIGN_ID = 'sandbox-campaign';
export const SANDBOX_HEYREACH_CAMPAIGN_ID = 'sandbox-linkedin';

/**
 * The sandbox's campaigns, kept in Redis: an Instantly campaign that passes the preflight (so the
 * demo passes) and whose daily_limit and status change like the real one's, and a HeyReach
 * campaign status. Stored per key prefix, so a sandbox run never touches the service's.
 */
export function createSandboxCampaigns(deps: { redis: Redis; keys: Keys }): ProviderCampaigns {
  const { redis } = deps;
  const { sandboxInstantly, sandboxHeyReach } = deps.keys.campaign;

  async function load(): Promise<Campaign> {
    const stored = await redis.get(sandboxInstantly);
    if (stored) return JSON.parse(stored) as Campaign;
    const campaign = wellFormedCampaign(SANDBOX_CAMPAIGN_ID, 'CAIO sandbox sequence');
    // NX: two processes seeding at once keep one definition.
    await redis.set(sandboxInstantly, JSON.stringify(campaign), 'NX');
    return JSON.parse((await redis.get(sandboxInstantly)) ?? JSON.stringify(campaign)) as Campaign;
  }
  async function update(patch: Partial<Campaign>): Promise<void> {
    await redis.set(sandboxInstantly, JSON.stringify({ ...(await load()), ...patch }));
  }

  return {
    instantly: {
      provider: 'instantly',
      id: SANDBOX_CAMPAIGN_ID,
      async read() {
        return { ok: true, campaign: await load() };
      },
      setDailyLimit: (limit) => update({ daily_limit: limit }),
      pause: () => update({ status: 2 }),
      activate: () => update({ status: 1 }),
    },
    heyreach: {
      provider: 'heyreach',
      id: SANDBOX_HEYREACH_CAMPAIGN_ID,
      async pause() {
        await redis.set(sandboxHeyReach, 'PAUSED');
      },
      async activate() {
        await redis.set(sandboxHeyReach, 'IN_PROGRESS');
      },
    },
  };
}
