import { randomUUID } from 'node:crypto';
import { header, startFakeServer, type FakeServer } from './fake-server.ts';

export interface FakeGhl extends FakeServer {
  contacts: Map<string, { id: string; body: Record<string, unknown> }>;
}

/** GoHighLevel `POST /contacts/upsert`: Bearer token, `Version: 2021-07-28`, locationId required. */
export async function startFakeGhl(options: { apiKey: string; locationId: string; latencyMs?: number }): Promise<FakeGhl> {
  const contacts = new Map<string, { id: string; body: Record<string, unknown> }>();
  const server = await startFakeServer((req) => {
    if (header(req, 'authorization') !== `Bearer ${options.apiKey}`) return { status: 401, body: { message: 'Invalid JWT' } };
    if (header(req, 'version') !== '2021-07-28') return { status: 400, body: { message: 'Version header is missing or invalid' } };
    if (req.method !== 'POST' || req.path !== '/contacts/upsert') return { status: 404, body: { message: 'not found' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.locationId !== options.locationId) return { status: 422, body: { message: 'locationId is invalid' } };
    const key = String(body.email ?? body.phone ?? randomUUID()).toLowerCase();
    const existing = contacts.get(key);
    const id = existing?.id ?? randomUUID().replace(/-/g, '').slice(0, 20);
    contacts.set(key, { id, body });
    return { status: 200, body: { new: !existing, contact: { id, locationId: options.locationId, email: body.email ?? null }, traceId: randomUUID() } };
  }, options);
  return Object.assign(server, { contacts });
}
