import { randomUUID } from 'node:crypto';
import { header, startFakeServer, type FakeServer } from './fake-server.ts';

export interface FakeInstantly extends FakeServer {
  /** Leads per campaign id, keyed by email: what would actually be emailed. */
  campaigns: Map<string, Map<string, { id: string; body: Record<string, unknown> }>>;
}

/** Instantly API v2 `POST /leads` (Bearer auth), honouring `skip_if_in_campaign`. */
export async function startFakeInstantly(options: { apiKey: string; latencyMs?: number }): Promise<FakeInstantly> {
  const campaigns = new Map<string, Map<string, { id: string; body: Record<string, unknown> }>>();
  const server = await startFakeServer((req) => {
    if (header(req, 'authorization') !== `Bearer ${options.apiKey}`) return { status: 401, body: { error: 'Unauthorized' } };
    if (req.method !== 'POST' || req.path !== '/api/v2/leads') return { status: 404, body: { error: 'not found' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.email !== 'string' || typeof body.campaign !== 'string') return { status: 400, body: { error: 'email and campaign are required' } };
    const leads = campaigns.get(body.campaign) ?? new Map<string, { id: string; body: Record<string, unknown> }>();
    campaigns.set(body.campaign, leads);
    const existing = leads.get(body.email.toLowerCase());
    if (existing && body.skip_if_in_campaign === true) return { status: 200, body: { id: existing.id, email: body.email, campaign: body.campaign } };
    const id = randomUUID();
    // Without skip_if_in_campaign a second add really is a second lead (and a second email).
    leads.set(existing ? `${body.email.toLowerCase()}#${id}` : body.email.toLowerCase(), { id, body });
    return { status: 200, body: { id, email: body.email, campaign: body.campaign, timestamp_created: new Date().toISOString() } };
  }, options);
  return Object.assign(server, { campaigns });
}
