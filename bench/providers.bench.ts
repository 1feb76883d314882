/**
 * 1,000 leads through the whole pipeline in live mode (CAIO_PROVIDERS=live) against the fake
 * providers on 127.0.0.1, every fake adding 200 ms to every call, with the rate limits below.
 * Compared with (1) the ideal wall time those limits allow and (2) a bare baseline measured in the
 * same run: the same calls made straight with undici, paced by an in-process scheduler at the same
 * limits (no Redis, no queues, no breaker). Target: pipeline >= 0.8 of ideal throughput, no lead lost.
 */
import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { pacer } from './pacer.ts';
import { buildConfig } from '../src/core/config.ts';
import { RETRY_POLICIES } from '../src/core/http-client.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, startEmbeddedRedis } from '../src/core/redis.ts';
import { createContext } from '../src/context.ts';
import { startRun } from '../src/jobs/runs.ts';
import { startPipelineWorkers } from '../src/jobs/workers.ts';
import { createLiveProviders } from '../src/providers/live.ts';
import { startFakeApollo, type ApolloFakePerson } from '../test/fakes/apollo.ts';
import { startFakeInstantly } from '../test/fakes/instantly.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 1_000);
const LATENCY_MS = 200;
const PER_PAGE = 100;
const LIMITS = { apollo: { max: 40, per_ms: 1_000 }, instantly: { max: 80, per_ms: 1_000 } };
const CONCURRENCY = 50;
const KEYS = { apollo: 'bench-apollo-key', instantly: 'bench-instantly-key' };

const people: ApolloFakePerson[] = Array.from({ length: LEADS }, (_, i) => ({
  id: `bp${String(i).padStart(6, '0')}`,
  first_name: `First${i}`,
  last_name: `Last${i}`,
  title: 'VP Sales',
  company: `Company ${i % 97}`,
  domain: `example${i % 97}.com`,
  email: `first${i}.last${i}@example${i % 97}.com`,
}));

/** The best a perfect client could do under the limits: search pages in sequence, then every lead's match and send at the limit. */
function idealSeconds(): number {
  const pages = Math.ceil(LEADS / PER_PAGE);
  const search = (pages * LATENCY_MS) / 1000;
  // Search pages also take Apollo slots; the first `max` calls go at once, then `max` per window.
  const apolloCalls = pages + LEADS;
  const apolloBound = (Math.max(0, apolloCalls - LIMITS.apollo.max) / LIMITS.apollo.max) * (LIMITS.apollo.per_ms / 1000);
  const instantlyBound = (Math.max(0, LEADS - LIMITS.instantly.max) / LIMITS.instantly.max) * (LIMITS.instantly.per_ms / 1000);
  const concurrencyBound = (LEADS * 2 * LATENCY_MS) / 1000 / CONCURRENCY;
  // The last lead still needs its match and its send after its slot.
  return Math.max(search + apolloBound, instantlyBound, concurrencyBound) + (2 * LATENCY_MS) / 1000;
}

async function startFakes() {
  const apollo = await startFakeApollo({ apiKey: KEYS.apollo, people, latencyMs: LATENCY_MS });
  const instantly = await startFakeInstantly({ apiKey: KEYS.instantly, latencyMs: LATENCY_MS });
  return { apollo, instantly, close: () => Promise.all([apollo.close(), instantly.close()]) };
}

async function bare(): Promise<{ seconds: number; sent: number }> {
  const fakes = await startFakes();
  const agent = new Agent({ connections: 64 });
  const apolloSlot = pacer(LIMITS.apollo);
  const instantlySlot = pacer(LIMITS.instantly);
  const post = async (url: string, headers: Record<string, string>, body: unknown) => {
    const res = await agent.request({ origin: new URL(url).origin, path: new URL(url).pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return (await res.body.json()) as Record<string, unknown>;
  };
  const started = performance.now();
  const found: string[] = [];
  for (let page = 1; found.length < LEADS; page++) {
    await apolloSlot();
    const res = await post(`${fakes.apollo.url}/api/v1/mixed_people/api_search`, { 'x-api-key': KEYS.apollo }, { page, per_page: PER_PAGE });
    const batch = (res.people as { id: string }[]).map((p) => p.id);
    if (batch.length === 0) break;
    found.push(...batch);
  }
  await Promise.all(
    found.map(async (id) => {
      await apolloSlot();
      const match = await post(`${fakes.apollo.url}/api/v1/people/match`, { 'x-api-key': KEYS.apollo }, { id });
      const email = (match.person as { email: string }).email;
      await instantlySlot();
      await post(`${fakes.instantly.url}/api/v2/leads`, { authorization: `Bearer ${KEYS.instantly}` }, { campaign: 'c1', email, skip_if_in_campaign: true });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sent = fakes.instantly.campaigns.get('c1')?.size ?? 0;
  await agent.close();
  await fakes.close();
  return { seconds, sent };
}

async function pipeline(url: string): Promise<{ seconds: number; sent: number; enrichOut: number; errors: number; status: string }> {
  const fakes = await startFakes();
  const prefix = `caio-bench-providers-${randomBytes(3).toString('hex')}`;
  const settings = {
    safety: { auto_approve: true, shadow_mode: false, actually_send: true, max_daily_sends: 1_000_000, send_rate_per_minute: 10_000_000 },
    pipeline: { concurrency: CONCURRENCY, backoff_ms: 100, attempts: 3 },
    // Budgets off: the default daily cap of 600 Apollo reveals would (correctly) stop the tier at lead 600.
    providers: { timeout_ms: 5_000, limits: LIMITS, budgets: { apollo_reveals: { daily: null, monthly: null } } },
  };
  const config = buildConfig(settings, {
    CAIO_REDIS_PREFIX: prefix,
    REDIS_URL: url,
    CAIO_PROVIDERS: 'live',
    APOLLO_API_KEY: KEYS.apollo,
    APOLLO_BASE_URL: fakes.apollo.url,
    INSTANTLY_API_KEY: KEYS.instantly,
    INSTANTLY_BASE_URL: fakes.instantly.url,
    INSTANTLY_CAMPAIGN_ID: 'c1',
  });
  const redis = createRedis(url);
  const ctx = createContext({ config, logger: createLogger('silent'), redis, liveProviders: (deps) => createLiveProviders(deps, { policy: RETRY_POLICIES.standard }) });
  const workers = startPipelineWorkers(ctx);
  const started = performance.now();
  const { runId } = await startRun(ctx, { source: 'default', limit: LEADS, startedBy: 'bench' });
  let run = await ctx.store.getRun(runId);
  const deadline = Date.now() + 150_000;
  while (run && run.status === 'running' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    run = await ctx.store.getRun(runId);
  }
  const seconds = (performance.now() - started) / 1000;
  const sent = fakes.instantly.campaigns.get('c1')?.size ?? 0;
  await workers.close();
  await ctx.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  await fakes.close();
  const errors = run ? Object.values(run.stages).reduce((n, s) => n + s.errors, 0) : -1;
  return { seconds, sent, enrichOut: run?.stages.enrich.out ?? 0, errors, status: run?.status ?? 'missing' };
}

const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
try {
  const ideal = idealSeconds();
  const base = await bare();
  const caio = await pipeline(url);
  const line = (name: string, seconds: number) => process.stdout.write(`${name.padEnd(52)} ${seconds.toFixed(2).padStart(8)} s ${(LEADS / seconds).toFixed(1).padStart(8)} leads/s\n`);
  process.stdout.write(`${LEADS} leads, ${LATENCY_MS} ms added to every call, limits apollo ${LIMITS.apollo.max}/${LIMITS.apollo.per_ms} ms, instantly ${LIMITS.instantly.max}/${LIMITS.instantly.per_ms} ms, concurrency ${CONCURRENCY}\n`);
  line('ideal the limits allow', ideal);
  line('bare baseline (undici + in-process pacing)', base.seconds);
  line('CAIO pipeline, live providers (Redis limits, breakers)', caio.seconds);
  const ratio = ideal / caio.seconds;
  const lost = LEADS - caio.sent;
  process.stdout.write(`bare baseline / ideal: ${(ideal / base.seconds).toFixed(2)}; sent ${base.sent}/${LEADS}\n`);
  process.stdout.write(`CAIO / bare baseline throughput: ${(base.seconds / caio.seconds).toFixed(2)}\n`);
  process.stdout.write(`CAIO / ideal throughput: ${ratio.toFixed(2)} (target >= 0.8) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}\n`);
  process.stdout.write(`run ${caio.status}: enriched ${caio.enrichOut}, sent to Instantly ${caio.sent}, stage errors ${caio.errors}, leads lost ${lost} ${lost === 0 && caio.errors === 0 ? 'OK' : 'LOST LEADS'}\n`);
  if (ratio < 0.8 || lost !== 0) process.exitCode = 1;
} finally {
  await embedded?.stop();
}
