import { versionedUrl, type ProviderChannel, type ProviderDeps } from './provider-call.ts';
import type { LinkedInSteps } from './types.ts';

/** HeyReach ids are numbers; a configured id that is not one is sent as given. */
const asId = (id: string) => (Number.isFinite(Number(id)) ? Number(id) : id);

/** HeyReach: adds one lead to the LinkedIn campaign (which must be ACTIVE), or stops it there. */
export function createHeyReach(deps: ProviderDeps, channel: ProviderChannel, apiKey: string, campaignId: string): LinkedInSteps {
  const base = deps.config.env.HEYREACH_BASE_URL;
  return {
    async addLeadToCampaign(lead) {
      const body = {
        campaignId: asId(campaignId),
        accountLeadPairs: [
          {
            ...(lead.linkedInAccountId ? { linkedInAccountId: asId(lead.linkedInAccountId) } : {}),
            lead: {
              profileUrl: lead.linkedin_url,
              firstName: lead.first_name ?? undefined,
              lastName: lead.last_name ?? undefined,
              companyName: lead.company_name ?? undefined,
              position: lead.title ?? undefined,
              emailAddress: lead.email ?? undefined,
            },
          },
        ],
      };
      // Re-adding a profile already in the campaign is expected to be a no-op (unconfirmed in the docs).
      await channel.call({ route: 'campaign/AddLeadsToCampaignV2', method: 'POST', url: versionedUrl(base, '/api/public', '/campaign/AddLeadsToCampaignV2'), headers: { 'X-API-KEY': apiKey }, body, idempotent: true });
    },
    async stopLead(linkedinUrl) {
      // Stopping a stopped lead changes nothing, so a retry is safe.
      const body = { campaignId: asId(campaignId), leadUrl: linkedinUrl };
      await channel.call({ route: 'campaign/StopLeadInCampaign', method: 'POST', url: versionedUrl(base, '/api/public', '/campaign/StopLeadInCampaign'), headers: { 'X-API-KEY': apiKey }, body, idempotent: true });
    },
  };
}
