/**
 * 10,000 sandbox leads through all six stages (auto-approve, shadow send) against a bare BullMQ
 * chain of six queues of no-op jobs, on the same Redis, in the same run. Prints leads/s for both,
 * the ratio and peak RSS. Targets: ratio >= 0.5, RSS < 300 MB.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { buildConfig } from '../src/core/config.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, startEmbeddedRedis } from '../src/core/redis.ts';
import { STAGES } from '../src/core/types.ts';
import { createContext } from '../src/context.ts';
import { startRun } from '../src/jobs/runs.ts';
import { startPipelineWorkers } from '../src/jobs/workers.ts';
import { bullPrefix, defaultJobOptions } from '../src/core/queue.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const settings = {
  safety: { auto_approve: true, shadow_mode: true, send_rate_per_minute: 10_000_000 },
  pipeline: { concurrency: CONCURRENCY, backoff_ms: 100, clay_timeout_ms: 10_000, bettercontact_poll_ms: 10, attempts: 3 },
  sandbox: { clay_callback_delay_ms: 10, bettercontact_ready_after_polls: 1 },
};

/** Samples RSS while a phase runs and reports its peak in MB. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
  };
}

async function bareChain(url: string): Promise<{ seconds: number; rssMb: number }> {
  const prefix = `caio-bench-bare-${randomBytes(3).toString('hex')}`;
  const connection = createRedis(url);
  const pipeline = buildConfig(settings).pipeline;
  const opts = { connection, prefix: bullPrefix(prefix), defaultJobOptions: defaultJobOptions(pipeline) };
  const queues = STAGES.map((stage) => new Queue(stage, opts));
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
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
  const rss = rssSampler();
  const started = performance.now();
  const jobs = Array.from({ length: LEADS }, (_, i) => ({ name: 'scrape', data: { ref: `bare-${i}` }, opts: { jobId: `bare-${i}-scrape` } }));
  for (let i = 0; i < jobs.length; i += 1000) await queues[0]?.addBulk(jobs.slice(i, i + 1000));
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const rssMb = rss();
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.close()));
  await deleteByPrefix(connection, prefix);
  connection.disconnect();
  return { seconds, rssMb };
}

async function caioPipeline(url: string): Promise<{ seconds: number; rssMb: number; completed: number; shadows: number }> {
  const prefix = `caio-bench-pipe-${randomBytes(3).toString('hex')}`;
  const config = buildConfig(settings, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: url });
  const redis = createRedis(url);
  const ctx = createContext({ config, logger: createLogger('silent'), redis });
  const workers = startPipelineWorkers(ctx);
  const rss = rssSampler();
  const started = performance.now();
  const { runId } = await startRun(ctx, { source: 'default', limit: LEADS, startedBy: 'bench' });
  let run = await ctx.store.getRun(runId);
  while (run?.status !== 'completed') {
    if (run?.status === 'failed') throw new Error(`run failed: ${run.error}`);
    await new Promise((r) => setTimeout(r, 100));
    run = await ctx.store.getRun(runId);
  }
  const seconds = (performance.now() - started) / 1000;
  const rssMb = rss();
  const shadows = await redis.llen(ctx.keys.shadowEmails);
  await workers.close();
  await ctx.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  return { seconds, rssMb, completed: run.terminal, shadows };
}

const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
try {
  const bare = await bareChain(url);
  const caio = await caioPipeline(url);
  const bareRate = LEADS / bare.seconds;
  const caioRate = LEADS / caio.seconds;
  const ratio = caioRate / bareRate;
  const peakRss = Math.round(process.resourceUsage().maxRSS / 1024);
  const rows = [
    ['bare BullMQ chain (6 no-op queues)', `${bareRate.toFixed(0)} leads/s`, `${bare.seconds.toFixed(2)} s`, `${bare.rssMb} MB`],
    ['CAIO pipeline (sandbox, auto-approve, shadow)', `${caioRate.toFixed(0)} leads/s`, `${caio.seconds.toFixed(2)} s`, `${caio.rssMb} MB`],
  ];
  for (const row of rows) process.stdout.write(`${row[0]?.padEnd(48)} ${row[1]?.padStart(14)} ${row[2]?.padStart(10)}  peak RSS ${row[3]}\n`);
  process.stdout.write(`leads: ${LEADS}, finished: ${caio.completed}, shadow emails: ${caio.shadows}\n`);
  process.stdout.write(`ratio CAIO/bare: ${ratio.toFixed(2)} (target >= 0.5) ${ratio >= 0.5 ? 'OK' : 'BELOW TARGET'}\n`);
  process.stdout.write(`peak RSS of the process: ${peakRss} MB (target < 300 MB) ${peakRss < 300 ? 'OK' : 'ABOVE TARGET'}\n`);
} finally {
  await embedded?.stop();
}
