import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createSlackNotifier } from '../../src/bot/outbox.ts';
import { startOutboxWorker, type OutboxWorker } from '../../src/bot/outbox-worker.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { buildCadence } from '../../src/core/cadence.ts';
import { buildConfig, type Config } from '../../src/core/config.ts';
import { RETRY_POLICIES } from '../../src/core/http-client.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Lead } from '../../src/core/types.ts';
import { scheduleCadence } from '../../src/jobs/cadence.ts';
import { createLeadActions } from '../../src/jobs/lead-actions.ts';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/jobs/workers.ts';
import { createLiveProviders } from '../../src/providers/live.ts';
import { createHttpApp, listen } from '../../src/server.ts';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../src/slack-app.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { startFakeGhl, type FakeGhl } from '../fakes/ghl.ts';
import { startFakeHeyReach, type FakeHeyReach } from '../fakes/heyreach.ts';
import { startFakeInstantly, type FakeInstantly } from '../fakes/instantly.ts';
import { blockActionBody, postToSlackEndpoint, startFakeSlack, type FakeSlack } from '../fakes/slack.ts';
import { TEST_REDIS_URL, uniquePrefix } from './harness.ts';
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, SIGNING_SECRET } from './slack-harness.ts';
import { FAKE_KEYS, FAST_LIVE, GHL_LOCATION, HEYREACH_CAMPAIGN } from './live-harness.ts';
import { TEST_SECRET } from './webhook-app.ts';

export const REPLIES_CHANNEL = 'CREPLIES';
export const CAMPAIGN = 'camp-replies';

/** Live providers (real Instantly, GHL and HeyReach clients against fakes), sending allowed, a real day. */
export const REPLY_SETTINGS = {
  ...FAST_LIVE,
  safety: { ...FAST_LIVE.safety, shadow_mode: false, actually_send: true, max_daily_sends: 100 },
  slack: { run_update_interval_ms: 100, outbox_backoff_ms: 50, outbox_attempts: 20 },
};

export interface ReplyHarness {
  prefix: string;
  config: Config;
  redis: Redis;
  ctx: AppContext;
  slack: FakeSlack;
  heyreach: FakeHeyReach;
  ghl: FakeGhl;
  instantly: FakeInstantly;
  baseUrl: string;
  /** A lead CAIO mailed for real: stored, findable by address and profile, its cadence scheduled. */
  seedMailedLead(i: number, over?: Partial<Lead>): Promise<Lead>;
  webhook(path: string, body: unknown, secret?: string | null): Promise<{ status: number; json: Record<string, unknown> }>;
  click(actionId: string, value: string, userId?: string): Promise<{ status: number }>;
  /** Ephemeral answers posted to the response_urls of clicks. */
  ephemerals(): string[];
  close(): Promise<void>;
}

/**
 * The whole app in one process for the reply flow: the HTTP server (webhooks and Slack), the Bolt
 * app, the webhook, pipeline (cadence, lead-sync) and outbox workers, live providers against fake
 * Instantly, GoHighLevel and HeyReach servers and a fake Slack, on a real Redis under a unique prefix.
 */
export async function createReplyHarness(name: string, options: { settings?: unknown; env?: Record<string, string> } = {}): Promise<ReplyHarness> {
  const slack = await startFakeSlack();
  const heyreach = await startFakeHeyReach({ apiKey: FAKE_KEYS.heyreach });
  const ghl = await startFakeGhl({ apiKey: FAKE_KEYS.ghl, locationId: GHL_LOCATION });
  const instantly = await startFakeInstantly({ apiKey: FAKE_KEYS.instantly });
  const prefix = uniquePrefix(name);
  const config = buildConfig(options.settings ?? REPLY_SETTINGS, {
    CAIO_REDIS_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    CAIO_PROVIDERS: 'live',
    // Never called here: nothing is searched or enriched.
    APOLLO_API_KEY: FAKE_KEYS.apollo,
    APOLLO_BASE_URL: 'http://127.0.0.1:9',
    INSTANTLY_API_KEY: FAKE_KEYS.instantly,
    INSTANTLY_BASE_URL: instantly.url,
    INSTANTLY_CAMPAIGN_ID: CAMPAIGN,
    GHL_API_KEY: FAKE_KEYS.ghl,
    GHL_BASE_URL: ghl.url,
    GHL_LOCATION_ID: GHL_LOCATION,
    HEYREACH_API_KEY: FAKE_KEYS.heyreach,
    HEYREACH_BASE_URL: heyreach.url,
    HEYREACH_CAMPAIGN_ID: HEYREACH_CAMPAIGN,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    SLACK_REPLIES_CHANNEL: REPLIES_CHANNEL,
    SLACK_ALERT_CHANNEL: 'CALERT',
    CAIO_APPROVERS: `${APPROVER},${APPROVER_2}`,
    WEBHOOK_SECRET: TEST_SECRET,
    ...options.env,
  });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const ctx = createContext({
    config,
    logger,
    redis,
    notifier: createSlackNotifier,
    liveProviders: (deps) => createLiveProviders(deps, { policy: RETRY_POLICIES.fast }),
  });
  const pipeline: PipelineWorkers = startPipelineWorkers(ctx);
  const webhooks: WebhookWorker = startWebhookWorker(ctx, { concurrency: 5 });
  const outbox: OutboxWorker = startOutboxWorker(ctx);
  const http = createHttpApp(ctx);
  const slackApp = createSlackApp(ctx, { http });
  const server: Server = await listen(http, 0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let clicks = 0;

  const h: ReplyHarness = {
    prefix,
    config,
    redis,
    ctx,
    slack,
    heyreach,
    ghl,
    instantly,
    baseUrl,
    async seedMailedLead(i, over = {}) {
      const runId = 'run_20261127_101500_replys';
      const lead: Lead = {
        id: `rp${i}`,
        ref: `${runId}-rp${i}`,
        runId,
        source: 'competitor_gong',
        providers: 'live',
        state: 'sent',
        updated_at: new Date().toISOString(),
        first_name: 'Grace',
        last_name: `Hopper${i}`,
        title: 'VP Sales',
        seniority: 'vp',
        email: `grace${i}@navy.example`,
        email_status: 'verified',
        linkedin_url: `https://www.linkedin.com/in/grace-hopper-${i}/`,
        company_name: 'Navy & Co',
        company_domain: 'navy.example',
        industry: 'Software',
        employee_count: 300,
        signals: [],
        icp: { score: 82, tier: 'A', components: [] },
        cadence: buildCadence(),
        ...over,
      };
      await ctx.store.createLead(lead);
      // What the send stage does after a real first email.
      await scheduleCadence(ctx, lead, Date.now());
      await createLeadActions(ctx).afterFirstEmail(lead);
      return lead;
    },
    async webhook(path, body, secret = TEST_SECRET) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (secret !== null) headers['x-webhook-secret'] = secret;
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { text };
      }
      return { status: res.status, json };
    },
    async click(actionId, value, userId = APPROVER) {
      const responseUrl = slack.responseUrl(`reply-click-${++clicks}`);
      const res = await postToSlackEndpoint(`${baseUrl}${SLACK_EVENTS_PATH}`, blockActionBody({ userId, actionId, value, responseUrl, channelId: REPLIES_CHANNEL }), 'application/x-www-form-urlencoded', { secret: SIGNING_SECRET });
      return { status: res.status };
    },
    ephemerals: () => slack.responses.filter((r) => r.id.startsWith('reply-click-')).map((r) => String(r.body.text)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slackApp.stop();
      await webhooks.close();
      await pipeline.close();
      await outbox.close();
      await ctx.close();
      await Promise.all([slack.close(), heyreach.close(), ghl.close(), instantly.close()]);
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
  return h;
}
