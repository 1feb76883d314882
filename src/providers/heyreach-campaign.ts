import type { ControllableCampaign } from './campaign-types.ts';
import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';

/**
 * HeyReach campaign pause and resume (DESIGN §9): `POST /campaign/Pause?campaignId={id}` and
 * `POST /campaign/Resume?campaignId={id}`, through `channel.control` (no breaker, no stop guard).
 */
export function createHeyReachCampaign(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, campaignId: string): ControllableCampaign {
  const base = deps.config.env.HEYREACH_BASE_URL;
  const control = async (verb: 'Pause' | 'Resume') => {
    const url = `${versionedUrl(base, '/api/public', `/campaign/${verb}`)}?campaignId=${encodeURIComponent(campaignId)}`;
    // Pausing a paused campaign (or resuming a running one) changes nothing: safe to repeat.
    await channel.control({ route: `campaign/${verb}`, method: 'POST', url, headers: { 'X-API-KEY': apiKey }, idempotent: true });
  };
  return {
    provider: 'heyreach',
    id: campaignId,
    pause: () => control('Pause'),
    activate: () => control('Resume'),
  };
}
