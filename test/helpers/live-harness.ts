import { Redis } from 'ioredis';
import { buildConfig, type Config } from '../../src/core/config.ts';
import { RETRY_POLICIES, type RetryPolicy } from '../../src/core/http-client.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import type { Run } from '../../src/core/store.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/jobs/workers.ts';
import { createLiveProviders, type LiveProviders } from '../../src/providers/live.ts';
import { startFakeApollo, type ApolloFakePerson, type FakeApollo } from '../fakes/apollo.ts';
import { startFakeBetterContact, type FakeBetterContact } from '../fakes/bettercontact.ts';
import { startFakeClay, type FakeClay } from '../fakes/clay.ts';
import { startFakeGhl, type FakeGhl } from '../fakes/ghl.ts';
import { startFakeHeyReach, type FakeHeyReach } from '../fakes/heyreach.ts';
import { startFakeInstantly, type FakeInstantly } from '../fakes/instantly.ts';
import { TEST_REDIS_URL, uniquePrefix } from './harness.ts';

/** Fake credentials: distinctive so a test can search every log line for them. */
export const FAKE_KEYS = {
  apollo: 'apollo-key-SECRET-7f3a9c',
  clayToken: 'clay-token-SECRET-51be02',
  bettercontact: 'bc-key-SECRET-d41e77',
  instantly: 'instantly-key-SECRET-0a9f3b',
  ghl: 'ghl-key-SECRET-88c1d0',
  heyreach: 'heyreach-key-SECRET-2b6e4f',
} as const;
export const CAMPAIGN_ID = 'camp-0001';
export const GHL_LOCATION = 'loc-0001';
export { createRecordingNotifier } from './recording-notifier.ts';
import { createRecordingNotifier } from './recording-notifier.ts';

export const HEYREACH_CAMPAIGN = '4242';

export interface Fakes {
  apollo: FakeApollo;
  clay: FakeClay;
  bettercontact: FakeBetterContact;
  instantly: FakeInstantly;
  ghl: FakeGhl;
  heyreach: FakeHeyReach;
}

export interface LiveHarness {
  prefix: string;
  config: Config;
  redis: Redis;
  ctx: AppContext;
  providers: LiveProviders;
  fakes: Fakes;
  recorder: ReturnType<typeof createRecordingNotifier>;
  /** Every log line written, as text. */
  logLines: string[];
  startWorkers(): PipelineWorkers;
  close(): Promise<void>;
}

export interface LiveHarnessOptions {
  name: string;
  settings?: Record<string, unknown>;
  people?: ApolloFakePerson[];
  /** "first last" → email that BetterContact finds. */
  betterContactEmails?: Record<string, string>;
  /** Row → Clay callback (null: Clay finds nothing and calls back with not_found). */
  clayAnswer?: (row: Record<string, unknown>) => { email: string | null } | 'never';
  latencyMs?: number;
  policy?: RetryPolicy;
  env?: Record<string, string>;
  logLevel?: string;
  /** A Redis of the test's own (the fault suite restarts it); default the suite's shared one. */
  redisUrl?: string;
}

/** Default fast settings for live-mode tests: short waits, high limits unless a test sets its own. */
export const FAST_LIVE = {
  safety: { auto_approve: true, send_rate_per_minute: 100_000 },
  pipeline: { concurrency: 20, backoff_ms: 50, clay_timeout_ms: 3_000, bettercontact_poll_ms: 20, attempts: 3 },
  providers: {
    timeout_ms: 2_000,
    breaker: { failures: 5, window_ms: 10_000, cooldown_ms: 500 },
    limits: {
      apollo: { max: 1000, per_ms: 1000 },
      clay: { max: 1000, per_ms: 1000 },
      bettercontact: { max: 1000, per_ms: 1000 },
      instantly: { max: 1000, per_ms: 1000 },
      ghl: { max: 1000, per_ms: 1000 },
      heyreach: { max: 1000, per_ms: 1000 },
    },
  },
};

/** Starts the six fakes, then a real context on a real Redis in live mode pointing at them. */
export async function createLiveHarness(options: LiveHarnessOptions): Promise<LiveHarness> {
  const latency = options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs };
  let ctxRef: AppContext | null = null;
  // Clay's callbacks in flight: close() waits for them, and none starts once closing (a callback
  // landing on a closed connection was an unhandled rejection that failed a whole suite run).
  const callbacks = new Set<Promise<unknown>>();
  let closing = false;
  const apollo = await startFakeApollo({ apiKey: FAKE_KEYS.apollo, people: options.people ?? [], ...latency });
  const clay = await startFakeClay({
    token: FAKE_KEYS.clayToken,
    ...latency,
    onRow: (row) => {
      const answer = options.clayAnswer ? options.clayAnswer(row) : { email: null };
      if (answer === 'never' || !ctxRef || closing) return;
      // Plays Clay's HTTP API column calling /webhooks/clay, which calls ctx.resumeClay.
      const callback: Promise<unknown> = ctxRef
        .resumeClay({
          source: 'caio_pipeline',
          lead_id: String(row.lead_id),
          email: answer.email,
          email_status: answer.email ? 'valid' : 'not_found',
          company_name: typeof row.company_name === 'string' ? row.company_name : null,
        })
        .catch(() => undefined)
        .finally(() => callbacks.delete(callback));
      callbacks.add(callback);
    },
  });
  const bettercontact = await startFakeBetterContact({ apiKey: FAKE_KEYS.bettercontact, emails: options.betterContactEmails ?? {}, ...latency });
  const instantly = await startFakeInstantly({ apiKey: FAKE_KEYS.instantly, ...latency });
  const ghl = await startFakeGhl({ apiKey: FAKE_KEYS.ghl, locationId: GHL_LOCATION, ...latency });
  const heyreach = await startFakeHeyReach({ apiKey: FAKE_KEYS.heyreach, ...latency });
  const fakes: Fakes = { apollo, clay, bettercontact, instantly, ghl, heyreach };

  const prefix = uniquePrefix(options.name);
  const config = buildConfig(options.settings ?? FAST_LIVE, {
    CAIO_REDIS_PREFIX: prefix,
    REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
    CAIO_PROVIDERS: 'live',
    APOLLO_API_KEY: FAKE_KEYS.apollo,
    APOLLO_BASE_URL: apollo.url,
    CLAY_WORKBOOK_WEBHOOK_URL: clay.webhookUrl,
    CLAY_WEBHOOK_TOKEN: FAKE_KEYS.clayToken,
    BETTERCONTACT_API_KEY: FAKE_KEYS.bettercontact,
    BETTERCONTACT_BASE_URL: bettercontact.url,
    INSTANTLY_API_KEY: FAKE_KEYS.instantly,
    INSTANTLY_BASE_URL: instantly.url,
    INSTANTLY_CAMPAIGN_ID: CAMPAIGN_ID,
    GHL_API_KEY: FAKE_KEYS.ghl,
    GHL_BASE_URL: ghl.url,
    GHL_LOCATION_ID: GHL_LOCATION,
    HEYREACH_API_KEY: FAKE_KEYS.heyreach,
    HEYREACH_BASE_URL: heyreach.url,
    HEYREACH_CAMPAIGN_ID: HEYREACH_CAMPAIGN,
    ...options.env,
  });
  const redis = new Redis(options.redisUrl ?? TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const logLines: string[] = [];
  const logger = createLogger(options.logLevel ?? 'info', { write: (line: string) => void logLines.push(line) });
  const recorder = createRecordingNotifier();
  let providers: LiveProviders | null = null;
  const ctx = createContext({
    config,
    logger,
    redis,
    notifier: recorder.notifier,
    liveProviders: (deps) => {
      providers = createLiveProviders(deps, { policy: options.policy ?? RETRY_POLICIES.fast });
      return providers;
    },
  });
  ctxRef = ctx;
  if (!providers) throw new Error('live providers were not built: is CAIO_PROVIDERS=live?');
  let workers: PipelineWorkers | null = null;
  return {
    prefix,
    config,
    redis,
    ctx,
    providers,
    fakes,
    recorder,
    logLines,
    startWorkers() {
      workers = startPipelineWorkers(ctx);
      return workers;
    },
    async close() {
      closing = true;
      await workers?.close();
      await Promise.all(callbacks);
      await ctx.close();
      await Promise.all(Object.values(fakes).map((f) => f.close()));
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** `count` fake people; `pick(i)` says where each one's email is found. */
export function fakePeople(count: number, tierOf: (i: number) => 'apollo' | 'clay' | 'bettercontact' | 'none'): { people: ApolloFakePerson[]; clayEmails: Map<string, string>; bcEmails: Record<string, string> } {
  const people: ApolloFakePerson[] = [];
  const clayEmails = new Map<string, string>();
  const bcEmails: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const first = `First${i}`;
    const last = `Last${i}`;
    const email = `first${i}.last${i}@example${i % 7}.com`;
    const tier = tierOf(i);
    people.push({ id: `ap${String(i).padStart(5, '0')}`, first_name: first, last_name: last, title: 'VP Sales', company: `Company ${i % 13}`, domain: `example${i % 7}.com`, email: tier === 'apollo' ? email : null });
    if (tier === 'clay') clayEmails.set(`ap${String(i).padStart(5, '0')}`, email);
    if (tier === 'bettercontact') bcEmails[`${first} ${last}`] = email;
  }
  return { people, clayEmails, bcEmails };
}

/** Waits until a run is completed, failed or stopped. */
export async function waitForRun(h: LiveHarness, runId: string, timeoutMs = 30_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await h.ctx.store.getRun(runId);
    if (run && ['completed', 'failed', 'stopped'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run did not finish: ${run?.status} ${JSON.stringify(run?.stages)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls a condition until it holds (or throws after the timeout). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
