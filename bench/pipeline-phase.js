/**
 * One phase of the pipeline benchmark, in a process of its own, on the built code in dist/ (what
 * `npm start` and the image run: no TypeScript loader in memory). Plain JavaScript for that reason.
 * Usage: node bench/pipeline-phase.js bare|caio <redis-url>; prints one JSON line of figures.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { buildConfig } from '../dist/core/config.js';
import { deleteByPrefix } from '../dist/core/keys.js';
import { createLogger } from '../dist/core/logger.js';
import { createRedis } from '../dist/core/redis.js';
import { STAGES } from '../dist/core/types.js';
import { createContext } from '../dist/context.js';
import { startRun } from '../dist/jobs/runs.js';
import { startPipelineWorkers } from '../dist/jobs/workers.js';
import { bullPrefix, defaultJobOptions } from '../dist/core/queue.js';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const settings = {
  safety: { auto_approve: true, shadow_mode: true, send_rate_per_minute: 10_000_000 },
  pipeline: { concurrency: CONCURRENCY, backoff_ms: 100, clay_timeout_ms: 10_000, bettercontact_poll_ms: 10, attempts: 3 },
  sandbox: { clay_callback_delay_ms: 10, bettercontact_ready_after_polls: 1 },
};

/** Samples RSS while a phase runs; returns the process's peak in MB. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024);
  };
}

/** Total commands Redis has run so far (every command's `calls` in INFO commandstats, Lua's own included). */
async function redisCalls(redis) {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

/** Redis's read events (about one per client write: a round trip or a pipelined batch) and bytes in and out. */
async function redisTraffic(redis) {
  const info = await redis.info('stats');
  const field = (name) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0);
  return { reads: field('total_reads_processed'), bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes') };
}

/** Measures `work` (which resolves when the phase is done) on `redis`: time, CPU, RSS and Redis figures per lead. */
async function measure(redis, work) {
  const rss = rssSampler();
  const callsBefore = await redisCalls(redis);
  const trafficBefore = await redisTraffic(redis);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const extra = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const rssMb = rss();
  const calls = (await redisCalls(redis)) - callsBefore;
  const traffic = await redisTraffic(redis);
  return {
    seconds,
    rssMb,
    cpuPerLead: (used.user + used.system) / LEADS,
    commandsPerLead: calls / LEADS,
    roundTripsPerLead: (traffic.reads - trafficBefore.reads) / LEADS,
    kbInPerLead: (traffic.bytesIn - trafficBefore.bytesIn) / 1024 / LEADS,
    kbOutPerLead: (traffic.bytesOut - trafficBefore.bytesOut) / 1024 / LEADS,
    ...extra,
  };
}

/** Six queues of no-op jobs, each handing the lead on to the next: the floor any pipeline stands on. */
async function bareChain(url) {
  const prefix = `caio-bench-bare-${randomBytes(3).toString('hex')}`;
  const connection = createRedis(url);
  const pipeline = buildConfig(settings).pipeline;
  const opts = { connection, prefix: bullPrefix(prefix), defaultJobOptions: defaultJobOptions(pipeline) };
  const queues = STAGES.map((stage) => new Queue(stage, opts));
  let done = 0;
  let finish = () => undefined;
  const finished = new Promise((resolve) => (finish = resolve));
  const workers = STAGES.map(
    (stage, i) =>
      new Worker(
        stage,
        async (job) => {
          const next = queues[i + 1];
          if (next) await next.add(STAGES[i + 1] ?? 'x', job.data, { jobId: `${job.data.ref}-${STAGES[i + 1]}` });
          else if (++done === LEADS) finish();
        },
        { connection, prefix: bullPrefix(prefix), concurrency: CONCURRENCY },
      ),
  );
  const result = await measure(connection, async () => {
    const jobs = Array.from({ length: LEADS }, (_, i) => ({ name: 'scrape', data: { ref: `bare-${i}` }, opts: { jobId: `bare-${i}-scrape` } }));
    for (let i = 0; i < jobs.length; i += 1000) await queues[0]?.addBulk(jobs.slice(i, i + 1000));
    await finished;
    return {};
  });
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.close()));
  await deleteByPrefix(connection, prefix);
  connection.disconnect();
  return result;
}

/** A sandbox run of LEADS leads through all six stages (auto-approve, shadow send). */
async function caioPipeline(url) {
  const prefix = `caio-bench-pipe-${randomBytes(3).toString('hex')}`;
  const config = buildConfig(settings, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: url });
  const redis = createRedis(url);
  const ctx = createContext({ config, logger: createLogger('silent'), redis });
  const workers = startPipelineWorkers(ctx);
  const result = await measure(redis, async () => {
    const { runId } = await startRun(ctx, { source: 'default', limit: LEADS, startedBy: 'bench' });
    let run = await ctx.store.getRun(runId);
    while (run?.status !== 'completed') {
      if (run?.status === 'failed') throw new Error(`run failed: ${run.error}`);
      await new Promise((r) => setTimeout(r, 100));
      run = await ctx.store.getRun(runId);
    }
    return { completed: run.terminal, shadows: await redis.llen(ctx.keys.shadowEmails) };
  });
  await workers.close();
  await ctx.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  return result;
}

const [phase, url] = process.argv.slice(2);
if ((phase !== 'bare' && phase !== 'caio') || !url) {
  process.stderr.write('usage: node bench/pipeline-phase.js bare|caio <redis-url>\n');
  process.exit(2);
}
const result = phase === 'bare' ? await bareChain(url) : await caioPipeline(url);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
