import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { listen, createHttpApp } from '../../src/server.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { createHarness, FAST_SANDBOX, type Harness } from './harness.ts';

export const TEST_SECRET = 'test-webhook-secret-0123456789';

export interface WebhookApp {
  harness: Harness;
  baseUrl: string;
  worker: WebhookWorker | null;
  startWorker(): WebhookWorker;
  /** POSTs JSON (or a raw string) with the secret header unless told otherwise. */
  post(path: string, body: unknown, options?: { secret?: string | null; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Every key under the test's prefix, sorted (to prove a refused request stored nothing). */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    // BullMQ writes each queue's meta key lazily on first use: queue metadata, not a stored event.
    found.push(...batch.filter((k) => !k.endsWith(":meta")));
  } while (cursor !== '0');
  return found.sort();
}

/** The real HTTP app on 127.0.0.1:0 over a real context on a real Redis with a unique prefix. */
export async function startWebhookApp(name: string, options: { settings?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<WebhookApp> {
  const harness = await createHarness(name, { ...FAST_SANDBOX, ...options.settings }, { WEBHOOK_SECRET: TEST_SECRET, ...options.env });
  const server: Server = await listen(createHttpApp(harness.ctx), 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app: WebhookApp = {
    harness,
    baseUrl,
    worker: null,
    startWorker() {
      app.worker = startWebhookWorker(harness.ctx, { concurrency: 5 });
      return app.worker;
    },
    async post(path, body, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
      const secret = opts.secret === undefined ? TEST_SECRET : opts.secret;
      if (secret !== null) headers['x-webhook-secret'] = secret;
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) });
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { text };
      }
      return { status: res.status, json };
    },
    keys: () => keysUnder(harness.redis, harness.prefix),
    async close() {
      await app.worker?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.close();
    },
  };
  return app;
}

/** Polls until the check passes (returns a value) or the timeout ends. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sample bodies that pass validation, one per route. */
export const SAMPLES = {
  rb2b: (over: Record<string, unknown> = {}) => ({
    'LinkedIn URL': 'https://www.linkedin.com/in/jane-doe-123/',
    'First Name': 'Jane',
    'Last Name': 'Doe',
    Title: 'VP of Sales',
    'Company Name': 'Acme Software',
    'Business Email': 'jane.doe@acme.example',
    Website: 'https://acme.example',
    Industry: 'Computer Software',
    'Employee Count': '201-500',
    'Estimate Revenue': '$10M - $50M',
    City: 'Austin',
    State: 'TX',
    Zipcode: '78701',
    'Seen At': '2026-11-27T10:15:00.000Z',
    Referrer: 'https://www.google.com/',
    'Captured URL': 'https://acme-caio.example/pricing',
    Tags: 'Hot Pages, ICP',
    ...over,
  }),
  instantly: (over: Record<string, unknown> = {}) => ({
    timestamp: '2026-11-27T10:15:00.000Z',
    event_type: 'email_opened',
    workspace: 'ws_1',
    campaign_id: 'camp-1',
    campaign_name: 'Q4 outbound',
    lead_email: 'lead@example.com',
    email_account: 'sender@caio.example',
    step: 1,
    variant: 1,
    email_id: 'em-1',
    ...over,
  }),
  clayVisitor: (over: Record<string, unknown> = {}) => ({
    email: 'sam@beta.example',
    first_name: 'Sam',
    last_name: 'Lee',
    title: 'Head of Growth',
    company_name: 'Beta',
    linkedin_url: 'https://linkedin.com/in/sam-lee',
    industry: 'SaaS',
    employee_count: 120,
    ...over,
  }),
};
