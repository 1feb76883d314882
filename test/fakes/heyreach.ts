import { header, startFakeServer, type FakeServer } from './fake-server.ts';
import { createFakeHeyReachCampaigns, type FakeHeyReachCampaigns } from './heyreach-campaigns.ts';

export interface FakeHeyReach extends FakeServer {
  /** Campaign Pause/Resume calls and statuses. */
  campaignApi: FakeHeyReachCampaigns;
  /** Profile URLs added per campaign. */
  campaigns: Map<string, Set<string>>;
  /** StopLeadInCampaign calls, in order. */
  stopped: { campaignId: string; leadUrl: string }[];
}

/** HeyReach `POST /campaign/AddLeadsToCampaignV2` with `X-API-KEY` (≤100 leads, profileUrl required). */
export async function startFakeHeyReach(options: { apiKey: string; latencyMs?: number }): Promise<FakeHeyReach> {
  const campaigns = new Map<string, Set<string>>();
  const campaignApi = createFakeHeyReachCampaigns();
  const stopped: FakeHeyReach['stopped'] = [];
  const server = await startFakeServer((req) => {
    if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: { errorMessage: 'Unauthorized' } };
    const campaignReply = campaignApi.handle(req);
    if (campaignReply) return campaignReply;
    if (req.method === 'POST' && req.path === '/api/public/campaign/StopLeadInCampaign') {
      const body = (req.body ?? {}) as { campaignId?: unknown; leadUrl?: unknown };
      if (body.campaignId === undefined || typeof body.leadUrl !== 'string') return { status: 400, body: { errorMessage: 'campaignId and leadUrl required' } };
      stopped.push({ campaignId: String(body.campaignId), leadUrl: body.leadUrl });
      return { status: 200, body: {} };
    }
    if (req.method !== 'POST' || req.path !== '/api/public/campaign/AddLeadsToCampaignV2') return { status: 404, body: { errorMessage: 'not found' } };
    const body = (req.body ?? {}) as { campaignId?: unknown; accountLeadPairs?: { lead?: { profileUrl?: unknown } }[] };
    const pairs = body.accountLeadPairs;
    if (body.campaignId === undefined || !Array.isArray(pairs) || pairs.length === 0 || pairs.length > 100) return { status: 400, body: { errorMessage: 'campaignId and 1-100 accountLeadPairs required' } };
    if (pairs.some((p) => typeof p.lead?.profileUrl !== 'string')) return { status: 400, body: { errorMessage: 'lead.profileUrl is required' } };
    const set = campaigns.get(String(body.campaignId)) ?? new Set<string>();
    campaigns.set(String(body.campaignId), set);
    let added = 0;
    for (const p of pairs) {
      const url = String(p.lead?.profileUrl);
      if (!set.has(url)) added++;
      set.add(url);
    }
    return { status: 200, body: { addedLeadsCount: added, updatedLeadsCount: pairs.length - added, failedLeadsCount: 0 } };
  }, options);
  return Object.assign(server, { campaignApi, campaigns, stopped });
}
