/**
 * Scale-out (DESIGN §1): the same sandbox run (auto-approve, shadow send) on one Redis, worked by
 * one `caio --role all` process (the baseline), then by `caio --role web` twice plus
 * `caio --role worker` 1, 2 and 4 times. Prints leads/s per layout and checks that every layout
 * ends exactly as the single process did: the run completed, the same in/out counts at every
 * stage, one shadow email per sent lead and none twice, and both web replicas report the same queues.
 * BENCH_SCALE_LEADS (default 2000), BENCH_SCALE_CONCURRENCY per worker (default 20).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../src/core/config.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, freePort, startEmbeddedRedis } from '../src/core/redis.ts';
import type { ShadowEmail } from '../src/core/safety-gate.ts';
import type { Run } from '../src/core/store.ts';
import { STAGES } from '../src/core/types.ts';
import { createContext } from '../src/context.ts';
import { startRun } from '../src/jobs/runs.ts';

const LEADS = Number(process.env.BENCH_SCALE_LEADS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 20);
const CAIO_BIN = fileURLToPath(new URL('../bin/caio.js', import.meta.url));

const settings = {
  safety: { auto_approve: true, shadow_mode: true, send_rate_per_minute: 10_000_000 },
  pipeline: { concurrency: CONCURRENCY, backoff_ms: 100, clay_timeout_ms: 10_000, bettercontact_poll_ms: 10, attempts: 3 },
  sandbox: { clay_callback_delay_ms: 10, bettercontact_ready_after_polls: 1 },
};

interface Layout {
  name: string;
  all: number;
  web: number;
  workers: number;
}

const LAYOUTS: Layout[] = [
  { name: '1 process (--role all)', all: 1, web: 0, workers: 0 },
  { name: '2 web + 1 worker', all: 0, web: 2, workers: 1 },
  { name: '2 web + 2 workers', all: 0, web: 2, workers: 2 },
  { name: '2 web + 4 workers', all: 0, web: 2, workers: 4 },
];

/** Starts `caio` with the role and resolves once it logged "caio started". */
async function startCaio(role: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CAIO_BIN, '--role', role], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => (output += d.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 30_000;
  while (!output.includes('caio started')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`caio --role ${role} did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

interface Outcome {
  seconds: number;
  run: Run;
  shadows: number;
  distinctShadows: number;
  webQueues: string[];
}

async function runLayout(url: string, layout: Layout, configFile: string): Promise<Outcome> {
  const prefix = `caio-bench-scale-${randomBytes(3).toString('hex')}`;
  const env = { REDIS_URL: url, CAIO_REDIS_PREFIX: prefix, CAIO_CONFIG: configFile, CAIO_PROVIDERS: 'sandbox', LOG_LEVEL: 'info', CAIO_ENV_FILE: '/dev/null' };
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < layout.all; i++) {
      const port = await freePort();
      ports.push(port);
      children.push(await startCaio('all', { ...env, PORT: String(port) }));
    }
    for (let i = 0; i < layout.web; i++) {
      const port = await freePort();
      ports.push(port);
      children.push(await startCaio('web', { ...env, PORT: String(port) }));
    }
    for (let i = 0; i < layout.workers; i++) children.push(await startCaio('worker', env));

    // The run is started from here, as the Slack command or `caio run` would: a job on the queue.
    const redis = createRedis(url);
    const ctx = createContext({ config: buildConfig(settings, { ...env }), logger: createLogger('silent'), redis });
    const started = performance.now();
    const { runId } = await startRun(ctx, { source: 'default', limit: LEADS, startedBy: 'bench' });
    let run = await ctx.store.getRun(runId);
    while (run?.status !== 'completed') {
      if (run?.status === 'failed') throw new Error(`run failed: ${run.error}`);
      await new Promise((r) => setTimeout(r, 100));
      run = await ctx.store.getRun(runId);
    }
    const seconds = (performance.now() - started) / 1000;
    const shadowList = await redis.lrange(ctx.keys.shadowEmails, 0, -1);
    const leadsOf = shadowList.map((s) => (JSON.parse(s) as ShadowEmail).leadRef);
    // Every web replica answers for the whole cluster: the same queue depths from each.
    const webQueues = await Promise.all(ports.map(async (port) => JSON.stringify(((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { queues: unknown }).queues)));
    await ctx.close();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    return { seconds, run, shadows: shadowList.length, distinctShadows: new Set(leadsOf).size, webQueues };
  } finally {
    await stopAll(children);
  }
}

/** What must not depend on the layout: per-stage in/out/dropped/errors and the shadow emails. */
function signature(o: Outcome): string {
  const stages = STAGES.map((s) => {
    const c = o.run.stages[s];
    return `${s} ${c.in}/${c.out}/${c.dropped}/${c.errors}`;
  });
  return `${stages.join(', ')}; shadow emails ${o.shadows} (${o.distinctShadows} distinct)`;
}

const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
const url = process.env.REDIS_URL ?? embedded?.url ?? '';
const dir = mkdtempSync(join(tmpdir(), 'caio-bench-scale-'));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(settings));
let mismatches = 0;
try {
  process.stdout.write(`${LEADS} sandbox leads per layout, worker concurrency ${CONCURRENCY}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)}, Redis ${url}\n`);
  let baseline: string | null = null;
  let baseRate = 0;
  for (const layout of LAYOUTS) {
    const outcome = await runLayout(url, layout, configFile);
    const rate = LEADS / outcome.seconds;
    baseRate ||= rate;
    const sig = signature(outcome);
    baseline ??= sig;
    const same = sig === baseline && outcome.shadows === outcome.distinctShadows && new Set(outcome.webQueues).size <= 1;
    if (!same) mismatches++;
    process.stdout.write(
      `${layout.name.padEnd(24)} ${`${rate.toFixed(0)} leads/s`.padStart(13)} ${`${outcome.seconds.toFixed(2)} s`.padStart(9)}  x${(rate / baseRate).toFixed(2)} of one process  ${same ? 'same results' : `DIFFERENT: ${sig}`}\n`,
    );
  }
  process.stdout.write(`results of every layout: ${baseline}\n${mismatches === 0 ? 'every layout ended as the single process did' : `${mismatches} layout(s) differed`}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await embedded?.stop();
}
process.exit(mismatches === 0 ? 0 : 1);
