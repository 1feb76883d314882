import { header, startFakeServer, type FakeServer } from './fake-server.ts';

export interface FakeBetterContact extends FakeServer {
  /** Submitted requests by id. */
  submissions: Map<string, { rows: Record<string, unknown>[]; polls: number }>;
}

/**
 * BetterContact v2 at its documented paths: `POST /api/v2/async` → 201 {success, id, message}; `GET /async/{id}` → 202 while
 * processing, then 200 {status: terminated, data[]}; unknown id → 406. `emails` maps a
 * "first last" name to the address it finds (deliverable); anyone else is not_found.
 */
export async function startFakeBetterContact(options: { apiKey: string; emails: Record<string, string>; readyAfterPolls?: number; latencyMs?: number }): Promise<FakeBetterContact> {
  const submissions = new Map<string, { rows: Record<string, unknown>[]; polls: number }>();
  let next = 1;
  const server = await startFakeServer((req) => {
    if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: { message: 'Unauthorized' } };
    if (req.method === 'POST' && req.path === '/api/v2/async') {
      const data = (req.body as { data?: unknown })?.data;
      if (!Array.isArray(data) || data.length < 1 || data.length > 100) return { status: 400, body: { success: false, message: 'data must hold 1-100 contacts' } };
      const id = `bc-${next++}`;
      submissions.set(id, { rows: data as Record<string, unknown>[], polls: 0 });
      return { status: 201, body: { success: true, id, message: 'Processing' } };
    }
    const match = /^\/api\/v2\/async\/([^/?]+)$/.exec(req.path);
    if (req.method === 'GET' && match) {
      const sub = submissions.get(decodeURIComponent(match[1] ?? ''));
      if (!sub) return { status: 406, body: { message: 'Request not found' } };
      sub.polls++;
      if (sub.polls <= (options.readyAfterPolls ?? 1)) return { status: 202, body: { status: 'processing' } };
      const data = sub.rows.map((row) => {
        const email = options.emails[`${String(row.first_name)} ${String(row.last_name)}`];
        return {
          ...row,
          enriched: Boolean(email),
          contact_email_address: email ?? null,
          contact_email_address_status: email ? 'deliverable' : 'not_found',
        };
      });
      const valid = data.filter((d) => d.enriched).length;
      return {
        status: 200,
        body: { status: 'terminated', credits_consumed: valid, credits_left: 1000 - valid, summary: { total: data.length, valid, undeliverable: 0, not_found: data.length - valid }, data },
      };
    }
    return { status: 404, body: { message: 'not found' } };
  }, options);
  return Object.assign(server, { submissions });
}
