/**
 * 10,000 sandbox leads through all six stages (auto-approve, shadow send) against a bare BullMQ
 * chain of six queues of no-op jobs, on the same Redis, in the same run. Prints leads/s for both,
 * the ratio, peak RSS and Redis commands per lead (INFO commandstats calls, delta over the phase).
 * Bare and CAIO alternate over BENCH_ROUNDS rounds (default 3); the median ratio is reported.
 * Targets: ratio >= 0.7, RSS < 250 MB.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATIO_TARGET = 0.7;
const RSS_TARGET_MB = 250;

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

/** Total commands Redis has run so far (every command's `calls` in INFO commandstats). */
async function redisCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

interface Phase {
  seconds: number;
  rssMb: number;
  /** Redis commands per lead over the phase (the bench's own few polls included). */
  commandsPerLead: number;
  /** This process's CPU time per lead (µs): steadier than leads/s when other work shares the machine. */
  cpuPerLead: number;
}

/** CPU time of this process since `since`, in µs. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function bareChain(url: string): Promise<Phase> {
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
  const callsBefore = await redisCalls(connection);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const jobs = Array.from({ length: LEADS }, (_, i) => ({ name: 'scrape', data: { ref: `bare-${i}` }, opts: { jobId: `bare-${i}-scrape` } }));
  for (let i = 0; i < jobs.length; i += 1000) await queues[0]?.addBulk(jobs.slice(i, i + 1000));
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const cpuPerLead = cpuSince(cpu) / LEADS;
  const rssMb = rss();
  const commandsPerLead = ((await redisCalls(connection)) - callsBefore) / LEADS;
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.close()));
  await deleteByPrefix(connection, prefix);
  connection.disconnect();
  return { seconds, rssMb, commandsPerLead, cpuPerLead };
}

async function caioPipeline(url: string): Promise<Phase & { completed: number; shadows: number }> {
  const prefix = `caio-bench-pipe-${randomBytes(3).toString('hex')}`;
  const config = buildConfig(settings, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: url });
  const redis = createRedis(url);
  const ctx = createContext({ config, logger: createLogger('silent'), redis });
  const workers = startPipelineWorkers(ctx);
  const rss = rssSampler();
  const callsBefore = await redisCalls(redis);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { runId } = await startRun(ctx, { source: 'default', limit: LEADS, startedBy: 'bench' });
  let run = await ctx.store.getRun(runId);
  while (run?.status !== 'completed') {
    if (run?.status === 'failed') throw new Error(`run failed: ${run.error}`);
    await new Promise((r) => setTimeout(r, 100));
    run = await ctx.store.getRun(runId);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuPerLead = cpuSince(cpu) / LEADS;
  const rssMb = rss();
  const commandsPerLead = ((await redisCalls(redis)) - callsBefore) / LEADS;
  const shadows = await redis.llen(ctx.keys.shadowEmails);
  await workers.close();
  await ctx.close();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  return { seconds, rssMb, commandsPerLead, cpuPerLead, completed: run.terminal, shadows };
}

const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
try {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  let caioPeakMb = 0;
  let finished = 0;
  let shadows = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = await bareChain(url);
    const caio = await caioPipeline(url);
    const bareRate = LEADS / bare.seconds;
    const caioRate = LEADS / caio.seconds;
    ratios.push(caioRate / bareRate);
    cpuRatios.push(caio.cpuPerLead / bare.cpuPerLead);
    caioPeakMb = Math.max(caioPeakMb, caio.rssMb);
    finished = caio.completed;
    shadows = caio.shadows;
    const rows = [
      ['bare BullMQ chain (6 no-op queues)', bareRate, bare],
      ['CAIO pipeline (sandbox, auto-approve, shadow)', caioRate, caio],
    ] as const;
    if (ROUNDS > 1) process.stdout.write(`round ${round}\n`);
    for (const [name, rate, phase] of rows) {
      process.stdout.write(
        `${name.padEnd(48)} ${`${rate.toFixed(0)} leads/s`.padStart(14)} ${`${phase.seconds.toFixed(2)} s`.padStart(10)}  peak RSS ${phase.rssMb} MB  CPU ${phase.cpuPerLead.toFixed(0)} µs/lead  Redis commands/lead ${phase.commandsPerLead.toFixed(1)}\n`,
      );
    }
  }
  const ratio = median(ratios);
  const peakRss = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`leads: ${LEADS}, finished: ${finished}, shadow emails: ${shadows}\n`);
  process.stdout.write(
    `ratio CAIO/bare: ${ratio.toFixed(2)}${ROUNDS > 1 ? ` (median of ${ROUNDS} rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})` : ''} (target >= ${RATIO_TARGET}) ${ratio >= RATIO_TARGET ? 'OK' : 'BELOW TARGET'}\n`,
  );
  process.stdout.write(`CPU per lead CAIO/bare: ${median(cpuRatios).toFixed(2)} (median; ${cpuRatios.map((r) => r.toFixed(2)).join(', ')})\n`);
  process.stdout.write(
    `peak RSS while CAIO ran: ${caioPeakMb} MB (target < ${RSS_TARGET_MB} MB) ${caioPeakMb < RSS_TARGET_MB ? 'OK' : 'ABOVE TARGET'}; of the whole process (bare chain included): ${peakRss} MB\n`,
  );
} finally {
  await embedded?.stop();
}
