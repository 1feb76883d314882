import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createSlackNotifier } from '../../src/bot/outbox.ts';
import { startOutboxWorker, type OutboxWorker } from '../../src/bot/outbox-worker.ts';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../src/slack-app.ts';
import { buildConfig, type Config } from '../../src/core/config.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Run } from '../../src/core/store.ts';
import type { RunStatus } from '../../src/core/types.ts';
import { createContext, type AppContext, type ContextOptions } from '../../src/context.ts';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/jobs/workers.ts';
import { createHttpApp, listen } from '../../src/server.ts';
import {
  blockActionBody,
  eventBody,
  postToSlackEndpoint,
  slashCommandBody,
  startFakeSlack,
  viewSubmissionBody,
  type FakeSlack,
  type SignedOptions,
} from '../fakes/slack.ts';
import { FAST_SANDBOX, TEST_REDIS_URL, uniquePrefix } from './harness.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const APPROVER = 'UAPPROVER1';
export const APPROVER_2 = 'UAPPROVER2';
export const OUTSIDER = 'UOUTSIDER';
export const APPROVAL_CHANNEL = 'CAPPROVE';
export const ALERT_CHANNEL = 'CALERT';
export const RUN_CHANNEL = 'CRUNS';

/** Fast sandbox settings with a human in the loop (auto_approve off) and a quick Slack outbox. */
export const SLACK_SANDBOX = {
  ...FAST_SANDBOX,
  safety: { ...FAST_SANDBOX.safety, auto_approve: false },
  slack: { run_update_interval_ms: 100, outbox_backoff_ms: 50, outbox_attempts: 20 },
};

export interface SlackHarness {
  prefix: string;
  config: Config;
  redis: Redis;
  ctx: AppContext;
  slack: FakeSlack;
  url: string;
  /** POSTs a signed body to /slack/events. */
  post(body: string, contentType?: string, options?: Partial<SignedOptions>): ReturnType<typeof postToSlackEndpoint>;
  command(text: string, userId?: string, extra?: { triggerId?: string; retryNum?: number }): ReturnType<typeof postToSlackEndpoint>;
  click(input: Omit<Parameters<typeof blockActionBody>[0], 'responseUrl'> & { responseId?: string }): ReturnType<typeof postToSlackEndpoint>;
  submit(input: Parameters<typeof viewSubmissionBody>[0]): ReturnType<typeof postToSlackEndpoint>;
  event(event: Record<string, unknown>): ReturnType<typeof postToSlackEndpoint>;
  waitForRun(runId: string, statuses: RunStatus[], timeoutMs?: number): Promise<Run>;
  close(): Promise<void>;
}

/**
 * The whole web app in-process (Express + Bolt on port 0, pipeline and outbox workers) on a real
 * Redis under a unique prefix, talking to a fake Slack on 127.0.0.1.
 */
export async function createSlackHarness(
  name: string,
  options: { settings?: unknown; env?: Record<string, string>; pipeline?: boolean; liveProviders?: ContextOptions['liveProviders'] } = {},
): Promise<SlackHarness> {
  const slack = await startFakeSlack();
  const prefix = uniquePrefix(name);
  const config = buildConfig(options.settings ?? SLACK_SANDBOX, {
    CAIO_REDIS_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    CAIO_PROVIDERS: 'sandbox',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    SLACK_ALERT_CHANNEL: ALERT_CHANNEL,
    CAIO_APPROVERS: `${APPROVER},${APPROVER_2}`,
    ...options.env,
  });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const ctx = createContext({ config, logger, redis, notifier: createSlackNotifier, ...(options.liveProviders ? { liveProviders: options.liveProviders } : {}) });
  const workers: PipelineWorkers | null = options.pipeline === false ? null : startPipelineWorkers(ctx);
  const outbox: OutboxWorker = startOutboxWorker(ctx);
  const http = createHttpApp(ctx);
  const slackApp = createSlackApp(ctx, { http });
  const server: Server = await listen(http, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;
  let responseSeq = 0;

  const h: SlackHarness = {
    prefix,
    config,
    redis,
    ctx,
    slack,
    url,
    post: (body, contentType = 'application/x-www-form-urlencoded', signed = {}) => postToSlackEndpoint(url, body, contentType, { secret: SIGNING_SECRET, ...signed }),
    command(text, userId = APPROVER, extra = {}) {
      const body = slashCommandBody({ text, userId, responseUrl: slack.responseUrl(`cmd-${++responseSeq}`), ...(extra.triggerId ? { triggerId: extra.triggerId } : {}) });
      return h.post(body, undefined, extra.retryNum !== undefined ? { retryNum: extra.retryNum } : {});
    },
    click(input) {
      const responseUrl = slack.responseUrl(input.responseId ?? `click-${++responseSeq}`);
      return h.post(blockActionBody({ ...input, responseUrl }));
    },
    submit: (input) => h.post(viewSubmissionBody(input)),
    event: (event) => h.post(eventBody(event), 'application/json'),
    async waitForRun(runId, statuses, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await ctx.store.getRun(runId);
        if (run && statuses.includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not reach ${statuses.join('/')} (now ${run?.status})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slackApp.stop();
      await workers?.close();
      await outbox.close();
      await ctx.close();
      await slack.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
  return h;
}
