import { header, startFakeServer, type FakeServer } from './fake-server.ts';

export interface FakeClay extends FakeServer {
  /** Rows accepted, in order. */
  rows: Record<string, unknown>[];
  webhookUrl: string;
}

/**
 * A Clay table's inbound webhook: accepts one JSON row per POST (checking `x-clay-webhook-auth`) and
 * hands it to `onRow`, which plays the table's HTTP API column calling back later.
 */
export async function startFakeClay(options: { token: string; onRow?: (row: Record<string, unknown>) => void; latencyMs?: number }): Promise<FakeClay> {
  const rows: Record<string, unknown>[] = [];
  const path = '/v3/sources/webhook/pull-in-data-from-a-webhook-0f1e2d3c';
  const server = await startFakeServer((req) => {
    if (req.method !== 'POST' || req.path !== path) return { status: 404, body: { error: 'not found' } };
    if (header(req, 'x-clay-webhook-auth') !== options.token) return { status: 401, body: { error: 'unauthorized' } };
    const row = req.body;
    if (!row || typeof row !== 'object' || Array.isArray(row)) return { status: 400, body: { error: 'expected a JSON object' } };
    rows.push(row as Record<string, unknown>);
    if (options.onRow) setTimeout(() => options.onRow?.(row as Record<string, unknown>), 10);
    return { status: 200, body: {} };
  }, options);
  return Object.assign(server, { rows, webhookUrl: `${server.url}${path}` });
}
