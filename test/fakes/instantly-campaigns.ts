import type { FakeReply, RecordedRequest } from './fake-server.ts';

/** A campaign as Instantly API v2 returns it (the fields CAIO reads, in Instantly's own shape). */
export interface FakeCampaign {
  id: string;
  name: string;
  status: number;
  daily_limit: number;
  stop_on_reply: boolean;
  sequences: { steps: { type: string; delay: number; variants: { subject: string; body: string }[] }[] }[];
}

export interface FakeInstantlyCampaigns {
  /** The campaign with this id, created on first use as one CAIO accepts; tests change it in place. */
  campaign(id: string): FakeCampaign;
  /** The campaign no longer exists: every campaign call for it answers 404. */
  removeCampaign(id: string): void;
  /** `POST /campaigns/{id}/pause|activate` that succeeded, in order. */
  controls: { id: string; action: 'pause' | 'activate'; at: number }[];
  /** `PATCH /campaigns/{id}` bodies that succeeded, in order. */
  patches: { id: string; body: Record<string, unknown>; at: number }[];
}

/** Five email steps on cadence days 1, 5, 10, 17, 21, each with CAIO's variables (DESIGN §9). */
export function wellFormedFakeCampaign(id: string): FakeCampaign {
  const delays = [4, 5, 7, 4, 0];
  return {
    id,
    name: `Campaign ${id}`,
    status: 1,
    daily_limit: 50,
    stop_on_reply: true,
    sequences: [{ steps: delays.map((delay, i) => ({ type: 'email', delay, variants: [{ subject: `{{caio_subject_${i + 1}}}`, body: `<div>{{caio_body_${i + 1}}}</div>` }] })) }],
  };
}

const ROUTE = /^\/api\/v2\/campaigns\/([^/?]+)(?:\/(pause|activate))?$/;

/**
 * Instantly's campaign endpoints for the fake: `GET /campaigns/{id}`, `PATCH /campaigns/{id}`
 * (`daily_limit` a whole number >= 0), `POST /campaigns/{id}/pause` (status 2) and `/activate`
 * (status 1). `handle` answers a request on those paths and returns null for any other.
 */
export function createFakeInstantlyCampaigns(): FakeInstantlyCampaigns & { handle(req: RecordedRequest): FakeReply | null } {
  const campaigns = new Map<string, FakeCampaign | null>();
  const api = {
    controls: [] as FakeInstantlyCampaigns['controls'],
    patches: [] as FakeInstantlyCampaigns['patches'],
    campaign(id: string): FakeCampaign {
      const existing = campaigns.get(id);
      if (existing) return existing;
      const created = wellFormedFakeCampaign(id);
      campaigns.set(id, created);
      return created;
    },
    removeCampaign(id: string): void {
      campaigns.set(id, null);
    },
    handle(req: RecordedRequest): FakeReply | null {
      const match = ROUTE.exec(req.path);
      if (!match) return null;
      const id = decodeURIComponent(match[1] ?? '');
      const action = match[2] as 'pause' | 'activate' | undefined;
      if (campaigns.get(id) === null) return { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Campaign not found' } };
      const campaign = api.campaign(id);
      if (!action && req.method === 'GET') return { status: 200, body: structuredClone(campaign) };
      if (!action && req.method === 'PATCH') {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const limit = body.daily_limit;
        if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'body/daily_limit must be an integer >= 0' } };
        if (typeof limit === 'number') campaign.daily_limit = limit;
        api.patches.push({ id, body, at: Date.now() });
        return { status: 200, body: structuredClone(campaign) };
      }
      if (action && req.method === 'POST') {
        // Instantly refuses an empty JSON body sent with a JSON content type.
        if (req.headers['content-type']?.includes('application/json') && req.body === null) return { status: 400, body: { statusCode: 400, error: 'Bad Request', message: "Body cannot be empty when content-type is set to 'application/json'" } };
        campaign.status = action === 'pause' ? 2 : 1;
        api.controls.push({ id, action, at: Date.now() });
        return { status: 200, body: structuredClone(campaign) };
      }
      return { status: 404, body: { error: 'not found' } };
    },
  };
  return api;
}
