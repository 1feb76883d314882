import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { buildConfig, type Config } from '../../src/core/config.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import type { Lead } from '../../src/core/types.ts';
import type { Notifier } from '../../src/core/notifier.ts';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/jobs/workers.ts';
import { listen, createHttpApp } from '../../src/server.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { FAST_SANDBOX, TEST_REDIS_URL, uniquePrefix } from './harness.ts';

export type { RecordedAlert } from './recording-notifier.ts';
import { createRecordingNotifier, type RecordedAlert } from './recording-notifier.ts';

export const TEST_SECRET = 'test-webhook-secret-0123456789';

export interface WebhookHarness {
  prefix: string;
  config: Config;
  redis: Redis;
  ctx: AppContext;
}

export interface WebhookApp {
  harness: WebhookHarness;
  baseUrl: string;
  alerts: RecordedAlert[];
  worker: WebhookWorker | null;
  startWorker(): WebhookWorker;
  /** The pipeline's stage workers, for flows that go on into the pipeline. */
  startPipeline(): PipelineWorkers;
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
    // BullMQ writes each queue's meta key lazily on first use: queue metadata, not a stored event;
    // every request, refused or not, counts against its address's rate limit: a counter, not an event.
    found.push(...batch.filter((k) => !k.endsWith(":meta") && !k.includes(':wh:ratelimit:')));
  } while (cursor !== '0');
  return found.sort();
}

/** The real HTTP app on 127.0.0.1:0 over a real context on a real Redis with a unique prefix. */
export async function startWebhookApp(
  name: string,
  options: { settings?: Record<string, unknown>; env?: Record<string, string>; redisUrl?: string; context?: (base: { config: Config; redis: Redis; notifier: Notifier }) => AppContext } = {},
): Promise<WebhookApp> {
  const prefix = uniquePrefix(name);
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const config = buildConfig({ ...FAST_SANDBOX, ...options.settings }, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: redisUrl, WEBHOOK_SECRET: TEST_SECRET, ...options.env });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const { notifier, alerts } = createRecordingNotifier();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const ctx = options.context ? options.context({ config, redis, notifier }) : createContext({ config, logger, redis, notifier });
  const harness: WebhookHarness = { prefix, config, redis, ctx };
  // Tests that stop Redis would otherwise print every reconnect error of the queues.
  for (const queue of [...ctx.queues.all(), ctx.webhookQueue.queue]) queue.on('error', () => undefined);
  const server: Server = await listen(createHttpApp(ctx), 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let pipeline: PipelineWorkers | null = null;
  const app: WebhookApp = {
    harness,
    baseUrl,
    alerts,
    worker: null,
    startWorker() {
      app.worker = startWebhookWorker(ctx, { concurrency: 5 });
      return app.worker;
    },
    startPipeline() {
      pipeline = startPipelineWorkers(ctx);
      return pipeline;
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
    keys: () => keysUnder(redis, prefix),
    async close() {
      await app.worker?.close();
      await pipeline?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.close();
      await deleteByPrefix(redis, prefix).catch(() => undefined);
      redis.disconnect();
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

/** A pipeline lead waiting in the enrich stage (what a Clay pipeline callback refers to). */
export function pipelineLead(ref: string): Lead {
  return {
    id: ref.split('-').pop() ?? 'p1',
    ref,
    runId: 'run_20261127_101500_abcdef',
    source: 'default',
    first_name: 'Ada',
    last_name: 'Lovelace',
    title: 'VP Sales',
    seniority: 'vp',
    email: null,
    email_status: null,
    linkedin_url: null,
    company_name: 'Engines Ltd',
    company_domain: 'engines.example',
    industry: 'software',
    employee_count: 200,
    signals: [],
    state: 'scraped',
    updated_at: new Date().toISOString(),
  };
}
