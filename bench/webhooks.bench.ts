/**
 * Webhook intake: POST /webhooks/instantly and /webhooks/clay through the whole CAIO app (request
 * id, secret check, 1 MB JSON parse, zod validation, idempotency marker and BullMQ enqueue) at 50
 * connections, against a bare Express route that only parses JSON and answers 202, on the same
 * machine and in the same run. Prints req/s, p50/p99 and the ratios.
 * Targets: CAIO throughput >= 0.7 x bare, server CPU per request <= 1.4 x bare, CAIO p99 < 20 ms. Everything stays on 127.0.0.1; the load
 * generator (autocannon) runs in a child process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { buildConfig } from '../src/core/config.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, startEmbeddedRedis } from '../src/core/redis.ts';
import { createContext } from '../src/context.ts';
import { createHttpApp, listen } from '../src/server.ts';

interface CannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
// autocannon ships no types; only the fields read here are declared above.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 2;
const SECRET = 'bench-webhook-secret';
const THROUGHPUT_TARGET = 0.7;
const CPU_TARGET = 1.4;
const P99_TARGET_MS = 20;

// A fresh id per request: every request is a new event, so each one takes the full accept path
// (no duplicate shortcut). Filled into a fixed template so the load generator stays cheap.
const TEMPLATES = {
  instantly: JSON.stringify({
    timestamp: '2026-11-27T10:15:00.000Z',
    event_type: 'email_opened',
    workspace: 'ws_bench',
    campaign_id: 'camp-bench',
    campaign_name: 'Bench campaign',
    lead_email: 'lead-ID@bench.example',
    email_account: 'sender@caio.example',
    step: 1,
    variant: 1,
    email_id: 'bench-ID',
  }).split('ID'),
  clay: JSON.stringify({
    email: 'visitor-ID@bench.example',
    email_status: 'valid',
    first_name: 'Visitor',
    last_name: 'Bench',
    title: 'VP Sales',
    company_name: 'Bench Co',
    company_domain: 'bench.example',
    linkedin_url: null,
    industry: 'Software',
    employee_count: 250,
  }).split('ID'),
};
type Template = keyof typeof TEMPLATES;
let counter = 0;

/** Runs autocannon here (in the load-generator process). */
async function fire(url: string, path: string, template: Template, seconds: number): Promise<CannonResult> {
  const parts = TEMPLATES[template];
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: parts.join(`r${(counter++).toString(36)}`) }),
      },
    ],
  });
}

interface LoadRequest {
  url: string;
  path: string;
  template: Template;
  seconds: number;
}

// The load generator is this same file in a child process, so autocannon never shares the
// servers' event loop (on a small machine it would otherwise eat into what is measured).
let generator: ChildProcess | null = null;
/** Server-side CPU per answered request: steadier than req/s when other work shares the machine. */
const cpuPerRequest = new Map<CannonResult, number>();

async function load(url: string, path: string, template: Template, seconds: number): Promise<CannonResult> {
  const before = process.cpuUsage();
  const result = await loadOnce(url, path, template, seconds);
  const used = process.cpuUsage(before);
  cpuPerRequest.set(result, (used.user + used.system) / Math.max(1, result.requests.total));
  return result;
}

function loadOnce(url: string, path: string, template: Template, seconds: number): Promise<CannonResult> {
  if (!generator) {
    generator = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, WEBHOOK_BENCH_ROLE: 'load' }, execArgv: ['--import', 'tsx'] });
  }
  const child = generator;
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as CannonResult));
    child.once('error', reject);
    child.send({ url, path, template, seconds } satisfies LoadRequest);
  });
}

function bareApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.post('/bare', express.json({ limit: '1mb' }), (_req, res) => {
    res.status(202).json({ status: 'accepted' });
  });
  return app;
}

async function main(): Promise<void> {
  const embedded = process.env.REDIS_URL ? null : await startEmbeddedRedis();
  const redisUrl = process.env.REDIS_URL ?? embedded?.url ?? '';
  const prefix = `caio-bench-webhooks-${randomBytes(3).toString('hex')}`;
  // One client sends everything here: the per-IP limit still counts each request but never refuses one.
  const config = buildConfig({ webhooks: { rate_limit: { max: 1_000_000_000 } } }, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: redisUrl, WEBHOOK_SECRET: SECRET });
  const redis = createRedis(redisUrl);
  const ctx = createContext({ config, logger: createLogger('silent'), redis });
  const caio: Server = await listen(createHttpApp(ctx), 0, '127.0.0.1');
  const bare: Server = await listen(bareApp(), 0, '127.0.0.1');
  const caioUrl = `http://127.0.0.1:${(caio.address() as AddressInfo).port}`;
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  try {
    await load(bareUrl, '/bare', 'instantly', WARMUP_S);
    await load(caioUrl, '/webhooks/instantly', 'instantly', WARMUP_S);
    await load(caioUrl, '/webhooks/clay', 'clay', WARMUP_S);
    // Short interleaved rounds, so a load spike from elsewhere on the machine hits all three alike;
    // each ratio is taken within its round and the median round is reported.
    const rounds: { bare: CannonResult; instantly: CannonResult; clay: CannonResult }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const bare = await load(bareUrl, '/bare', 'instantly', DURATION_S);
      const instantly = await load(caioUrl, '/webhooks/instantly', 'instantly', DURATION_S);
      const clay = await load(caioUrl, '/webhooks/clay', 'clay', DURATION_S);
      rounds.push({ bare, instantly, clay });
    }
    const row = (name: string, r: CannonResult) =>
      `  ${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   server CPU ${(cpuPerRequest.get(r) ?? 0).toFixed(0).padStart(4)} µs/req   non-2xx ${r.non2xx}   errors ${r.errors + r.timeouts}\n`;
    process.stdout.write(`${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s per route, Redis ${redisUrl}, load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs\n`);
    rounds.forEach((r, i) => {
      process.stdout.write(`round ${i + 1}\n`);
      process.stdout.write(row('bare Express JSON route', r.bare));
      process.stdout.write(row('POST /webhooks/instantly', r.instantly));
      process.stdout.write(row('POST /webhooks/clay (visitor row)', r.clay));
    });
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    let ok = true;
    for (const name of ['instantly', 'clay'] as const) {
      const ratio = median(rounds.map((r) => r[name].requests.average / r.bare.requests.average));
      const p99 = median(rounds.map((r) => r[name].latency.p99));
      const bareP99 = median(rounds.map((r) => r.bare.latency.p99));
      const refused = rounds.reduce((n, r) => n + r[name].non2xx, 0);
      const cpuRatio = median(rounds.map((r) => (cpuPerRequest.get(r[name]) ?? 0) / (cpuPerRequest.get(r.bare) ?? 1)));
      const ratioOk = ratio >= THROUGHPUT_TARGET;
      const p99Ok = p99 < P99_TARGET_MS;
      const cpuOk = cpuRatio <= CPU_TARGET;
      ok = ok && ratioOk && p99Ok && cpuOk && refused === 0;
      process.stdout.write(
        `${name}: throughput ${ratio.toFixed(2)} x bare (target >= ${THROUGHPUT_TARGET}) ${ratioOk ? 'OK' : 'BELOW TARGET'}; p99 ${p99} ms vs bare ${bareP99} ms (target < ${P99_TARGET_MS} ms) ${p99Ok ? 'OK' : 'ABOVE TARGET'}; non-2xx ${refused}; server CPU per request ${cpuRatio.toFixed(2)} x bare (target <= ${CPU_TARGET}) ${cpuOk ? 'OK' : 'ABOVE TARGET'}\n`,
      );
    }
    const jobs = await ctx.webhookQueue.queue.getJobCounts('waiting');
    process.stdout.write(`jobs queued: ${jobs.waiting ?? 0}\n`);
    process.stdout.write(ok ? 'all webhook targets met\n' : 'some webhook targets missed\n');
  } finally {
    generator?.disconnect();
    caio.closeAllConnections();
    bare.closeAllConnections();
    await new Promise<void>((r) => caio.close(() => r()));
    await new Promise<void>((r) => bare.close(() => r()));
    await ctx.close();
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await embedded?.stop();
  }
}

if (process.env.WEBHOOK_BENCH_ROLE === 'load') {
  process.on('message', (message) => {
    const m = message as LoadRequest;
    void fire(m.url, m.path, m.template, m.seconds).then((result) => process.send?.({ requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts }));
  });
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}
