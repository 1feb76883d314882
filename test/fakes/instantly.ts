import { randomUUID } from 'node:crypto';
import { header, startFakeServer, type FakeServer } from './fake-server.ts';
import { createFakeInstantlyCampaigns, type FakeInstantlyCampaigns } from './instantly-campaigns.ts';

export interface FakeInstantlyLead {
  id: string;
  body: Record<string, unknown>;
}

export interface FakeInstantly extends FakeServer {
  /** The campaigns themselves (GET/PATCH, pause/activate): well-formed by default, changeable by a test. */
  campaignApi: FakeInstantlyCampaigns;
  /** Leads per campaign id, keyed by email: what would actually be emailed. */
  campaigns: Map<string, Map<string, FakeInstantlyLead>>;
  /** Every `POST /leads` that arrived. */
  adds: number;
  /**
   * `POST /leads` calls for an address already in that campaign (skipped or not): the calls the
   * sender should never make, because it could have asked first.
   */
  duplicateAdds: number;
  /** Puts a lead in a campaign directly, as if an earlier (lost) add had reached Instantly. */
  seedLead(campaign: string, email: string): FakeInstantlyLead;
}

/**
 * Instantly API v2 (Bearer auth): `POST /leads`, honouring `skip_if_in_campaign`, and
 * `POST /leads/list` filtered by `campaign` and `contacts` (emails), answering
 * `{ items, next_starting_after }` with at most `limit` (1-100, default 100) leads.
 */
export async function startFakeInstantly(options: { apiKey: string; latencyMs?: number }): Promise<FakeInstantly> {
  const campaigns = new Map<string, Map<string, FakeInstantlyLead>>();
  const leadsOf = (campaign: string) => {
    const leads = campaigns.get(campaign) ?? new Map<string, FakeInstantlyLead>();
    campaigns.set(campaign, leads);
    return leads;
  };
  const counters = { adds: 0, duplicateAdds: 0 };
  const campaignApi = createFakeInstantlyCampaigns();
  const server = await startFakeServer((req) => {
    if (header(req, 'authorization') !== `Bearer ${options.apiKey}`) return { status: 401, body: { error: 'Unauthorized' } };
    const campaignReply = campaignApi.handle(req);
    if (campaignReply) return campaignReply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === 'POST' && req.path === '/api/v2/leads/list') {
      const limit = body.limit === undefined ? 100 : body.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'body/limit must be 1-100' } };
      const contacts = Array.isArray(body.contacts) ? body.contacts.filter((c): c is string => typeof c === 'string').map((c) => c.toLowerCase()) : null;
      const pool = typeof body.campaign === 'string' ? [...leadsOf(body.campaign).entries()].map(([key, lead]) => ({ key, lead, campaign: body.campaign as string })) : [...campaigns.entries()].flatMap(([campaign, leads]) => [...leads.entries()].map(([key, lead]) => ({ key, lead, campaign })));
      const matching = pool
        .map(({ lead, campaign }) => ({ id: lead.id, email: String(lead.body.email), campaign, first_name: lead.body.first_name ?? null, last_name: lead.body.last_name ?? null, company_name: lead.body.company_name ?? null, status: 1 }))
        .filter((item) => contacts === null || contacts.includes(item.email.toLowerCase()))
        .sort((a, b) => a.id.localeCompare(b.id));
      const after = typeof body.starting_after === 'string' ? body.starting_after : null;
      const page = matching.filter((item) => after === null || item.id > after).slice(0, limit);
      const more = matching.filter((item) => after === null || item.id > after).length > page.length;
      return { status: 200, body: { items: page, next_starting_after: more ? (page.at(-1)?.id ?? null) : null } };
    }
    if (req.method !== 'POST' || req.path !== '/api/v2/leads') return { status: 404, body: { error: 'not found' } };
    if (typeof body.email !== 'string' || typeof body.campaign !== 'string') return { status: 400, body: { error: 'email and campaign are required' } };
    // Instantly takes custom variables as a flat object of scalars.
    const variables = body.custom_variables;
    if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables) || Object.values(variables).some((v) => v !== null && typeof v === 'object'))) {
      return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'custom_variables values must be strings, numbers, booleans or null' } };
    }
    counters.adds++;
    const leads = leadsOf(body.campaign);
    const existing = leads.get(body.email.toLowerCase());
    if (existing) counters.duplicateAdds++;
    if (existing && body.skip_if_in_campaign === true) return { status: 200, body: { id: existing.id, email: body.email, campaign: body.campaign } };
    const id = randomUUID();
    // Without skip_if_in_campaign a second add really is a second lead (and a second email).
    leads.set(existing ? `${body.email.toLowerCase()}#${id}` : body.email.toLowerCase(), { id, body });
    return { status: 200, body: { id, email: body.email, campaign: body.campaign, timestamp_created: new Date().toISOString() } };
  }, options);
  const fake = Object.assign(server, {
    campaignApi,
    campaigns,
    adds: 0,
    duplicateAdds: 0,
    seedLead(campaign: string, email: string): FakeInstantlyLead {
      const lead = { id: randomUUID(), body: { campaign, email } };
      leadsOf(campaign).set(email.toLowerCase(), lead);
      return lead;
    },
  });
  // Live counters (Object.assign would copy a getter's value once).
  Object.defineProperties(fake, {
    adds: { get: () => counters.adds, enumerable: true },
    duplicateAdds: { get: () => counters.duplicateAdds, enumerable: true },
  });
  return fake;
}
