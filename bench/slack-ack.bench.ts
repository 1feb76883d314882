/**
 * Slack ack latency: `/caio status` and an Approve click at 50 concurrent connections against the
 * whole CAIO web app (request guard, Bolt, listeners that ack first and then work on Redis and
 * Slack), compared with a bare Bolt app on Express that only acks, on the same machine and in the
 * same run. Prints p50/p99 and the ratios. Target: CAIO p99 <= 1.5x bare and < 50 ms.
 * Everything is on 127.0.0.1; Slack's Web API and response_url are the fake from test/fakes (in its
 * own process), Redis is a private redis-server (BENCH_REDIS_URL to use another).
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { App, ExpressReceiver } from '@slack/bolt';
import express from 'express';
import { buttonValue } from '../src/bot/blocks-approval.ts';
import { boltLogger } from '../src/bot/logger-adapter.ts';
import { createSlackNotifier } from '../src/bot/outbox.ts';
import { startOutboxWorker } from '../src/bot/outbox-worker.ts';
import { createSlackApp, SLACK_EVENTS_PATH } from '../src/slack-app.ts';
import { buildConfig } from '../src/core/config.ts';
import { deleteByPrefix } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { createRedis, startEmbeddedRedis } from '../src/core/redis.ts';
import { createContext } from '../src/context.ts';
import { createHttpApp, listen } from '../src/server.ts';
import { blockActionBody, slashCommandBody } from '../test/fakes/slack.ts';
import { withTriggerPlaceholder } from './signed-requests.ts';

interface CannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
}

const CONNECTIONS = 50;
const ROUNDS = 3;
const ROUND_S = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_S = 2;
/** The fixed-rate run: well above what a Slack workspace sends, below what either app saturates at. */
const RATE = Number(process.env.BENCH_RATE ?? 200);
const RATE_S = 3;
const SECRET = 'bench-signing-secret';
const APPROVER = 'UAPPROVER1';

/** Runs a node script in its own process and parses the last JSON line it prints. */
function runJson<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`${args[args.length - 1]} exited ${code} without a result`));
      }
    });
  });
}

/**
 * autocannon in its own process (closed loop: each connection sends its next request when the last
 * is answered), every request with its own trigger id and signature (bench/signed-load.ts).
 */
async function load(url: string, template: string, seconds: number): Promise<CannonResult> {
  const script = new URL('./signed-load.ts', import.meta.url).pathname;
  return runJson<CannonResult>(['--import', 'tsx', script, url, String(seconds), String(CONNECTIONS), SECRET, template]);
}

interface PacedResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Paced arrivals at `rate` per second over the same 50 connections (bench/paced-load.ts). */
async function paced(url: string, template: string, seconds: number, rate: number): Promise<PacedResult> {
  const script = new URL('./paced-load.ts', import.meta.url).pathname;
  return runJson<PacedResult>(['--import', 'tsx', script, url, String(rate), String(seconds), String(CONNECTIONS), '{}', template, SECRET]);
}

/** The fake Slack in a child process; resolves with its API URL and a stop function. */
async function startFakeSlackProcess(): Promise<{ apiUrl: string; responseUrl(id: string): string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-slack-process.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`fake Slack exited ${code}`)));
  });
  const base = apiUrl.replace(/\/api\/$/, '');
  return {
    apiUrl,
    responseUrl: (id) => `${base}/response/${id}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  // A private redis-server by default: a Redis shared with other work adds its stalls to the figures.
  const embedded = process.env.BENCH_REDIS_URL ? null : await startEmbeddedRedis();
  const redisUrl = process.env.BENCH_REDIS_URL ?? embedded?.url ?? '';
  const slack = await startFakeSlackProcess();
  const prefix = `caio-bench-slack-${randomBytes(3).toString('hex')}`;
  const env = {
    CAIO_REDIS_PREFIX: prefix,
    REDIS_URL: redisUrl,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_APPROVAL_CHANNEL: 'CAPPROVE',
    SLACK_ALERT_CHANNEL: 'CALERT',
    CAIO_APPROVERS: APPROVER,
  };
  const config = buildConfig({}, env);
  const logger = createLogger('silent');
  const redis = createRedis(redisUrl);

  // CAIO: the real web app and the outbox worker, as `caio --role all` wires them.
  const ctx = createContext({ config, logger, redis, notifier: createSlackNotifier });
  const outbox = startOutboxWorker(ctx);
  const http = createHttpApp(ctx);
  const slackApp = createSlackApp(ctx, { http });
  const caioServer = await listen(http, 0, '127.0.0.1');
  const caioUrl = `http://127.0.0.1:${(caioServer.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;

  // Bare: Bolt on Express that only acks.
  const bareExpress = express();
  const receiver = new ExpressReceiver({ signingSecret: SECRET, app: bareExpress, endpoints: SLACK_EVENTS_PATH, processBeforeResponse: false, logger: boltLogger(logger) });
  const bare = new App({ token: 'xoxb-bench', receiver, clientOptions: { slackApiUrl: slack.apiUrl }, logger: boltLogger(logger) });
  bare.command('/caio', async ({ ack }) => ack());
  bare.action('approval_approve', async ({ ack }) => ack());
  const bareServer: Server = await listen(bareExpress, 0, '127.0.0.1');
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;

  // An approval that the first click decides; every later click is the "already approved" path.
  const { approval } = await ctx.approvals.request({ runId: 'run_20260101_000000_bench0', leadRef: 'run_20260101_000000_bench0-p1', steps: [{ subject: 'Hello', body: 'Hi' }] });
  // Templates: every request gets its own trigger id and signature, as real clicks do (a repeated
  // signed request would be answered as a replay without reaching a listener).
  const statusBody = withTriggerPlaceholder(slashCommandBody({ text: 'status', userId: APPROVER, responseUrl: slack.responseUrl('status') }));
  const approveBody = withTriggerPlaceholder(blockActionBody({ userId: APPROVER, actionId: 'approval_approve', value: buttonValue(approval), responseUrl: slack.responseUrl('approve') }));

  // Bare and CAIO alternate in short rounds so background load on the machine hits both alike;
  // each figure is the median over the rounds. Then the same at a fixed rate below saturation.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  type Row = { name: string; mode: string; bare: Summary; caio: Summary };
  type Summary = { rps: number; p50: number; p99: number; bad: number };
  const summarise = (rs: CannonResult[]): Summary => ({
    rps: median(rs.map((r) => r.requests.average)),
    p50: median(rs.map((r) => r.latency.p50)),
    p99: median(rs.map((r) => r.latency.p99)),
    bad: rs.reduce((n, r) => n + r.non2xx + r.errors, 0),
  });
  const rows: Row[] = [];
  for (const [name, body] of [
    ['/caio status', statusBody],
    ['Approve click', approveBody],
  ] as const) {
    await load(bareUrl, body, WARMUP_S);
    await load(caioUrl, body, WARMUP_S);
    const bareRuns: CannonResult[] = [];
    const caioRuns: CannonResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await load(bareUrl, body, ROUND_S));
      caioRuns.push(await load(caioUrl, body, ROUND_S));
    }
    rows.push({ name, mode: 'saturated', bare: summarise(bareRuns), caio: summarise(caioRuns) });
    const asSummary = (rs: PacedResult[]): Summary => ({
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      bad: rs.reduce((n, r) => n + r.non2xx + r.errors, 0),
    });
    const barePaced: PacedResult[] = [];
    const caioPaced: PacedResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      barePaced.push(await paced(bareUrl, body, RATE_S, RATE));
      caioPaced.push(await paced(caioUrl, body, RATE_S, RATE));
    }
    rows.push({ name, mode: `${RATE} req/s`, bare: asSummary(barePaced), caio: asSummary(caioPaced) });
  }

  const decided = await ctx.approvals.get(approval.id);
  // Server-side view from caio_slack_ack_seconds: request received -> ack written, without the
  // time a request waits in the kernel or the load generator before the server reads it.
  const histogram = (await ctx.metrics.slackAckSeconds.get()).values;
  const serverSide = (kind: string) => {
    const buckets = histogram.filter((v) => v.labels.kind === kind && v.metricName === 'caio_slack_ack_seconds_bucket');
    const count = histogram.find((v) => v.labels.kind === kind && v.metricName === 'caio_slack_ack_seconds_count')?.value ?? 0;
    const bound = (q: number) => (buckets.find((b) => b.value >= q * count)?.labels as { le?: string | number } | undefined)?.le;
    return `${count} acks, p50 <= ${Number(bound(0.5)) * 1000} ms, p99 <= ${Number(bound(0.99)) * 1000} ms`;
  };

  console.log(`\nSlack ack latency, ${CONNECTIONS} connections. saturated: as fast as the app answers, median of ${ROUNDS} alternating ${ROUND_S} s rounds;`);
  console.log(`${RATE} req/s: paced arrivals (Poisson) at that rate, median of ${ROUNDS} alternating ${RATE_S} s rounds, latency from when each request was due\n`);
  console.log('request        load         app    req/s   p50 ms   p99 ms  non-2xx');
  let pass = true;
  for (const row of rows) {
    for (const [label, r] of [
      ['bare', row.bare],
      ['caio', row.caio],
    ] as const) {
      console.log(`${row.name.padEnd(14)} ${row.mode.padEnd(12)} ${label.padEnd(5)} ${r.rps.toFixed(0).padStart(6)}   ${r.p50.toFixed(1).padStart(6)}   ${r.p99.toFixed(1).padStart(6)}  ${String(r.bad).padStart(7)}`);
    }
    const p50Ratio = row.caio.p50 / Math.max(row.bare.p50, 0.5);
    const p99Ratio = row.caio.p99 / Math.max(row.bare.p99, 0.5);
    const ok = p99Ratio <= 1.5 && row.caio.p99 < 50 && row.caio.bad === 0;
    pass &&= ok;
    console.log(`${''.padEnd(14)} ${row.mode.padEnd(12)} ratio p50 ${p50Ratio.toFixed(2)}x, p99 ${p99Ratio.toFixed(2)}x -> ${ok ? 'within target' : 'OUTSIDE target'} (p99 <= 1.5x bare and < 50 ms)\n`);
  }
  console.log(`approval decided once: ${decided?.status} by ${decided?.decided_by}`);
  console.log(`CAIO server-side ack time (caio_slack_ack_seconds buckets): commands ${serverSide('command')}; clicks ${serverSide('block_actions')}`);
  console.log(`overall: ${pass ? 'PASS' : 'MISS'}`);

  caioServer.closeAllConnections();
  bareServer.closeAllConnections();
  await new Promise<void>((r) => caioServer.close(() => r()));
  await new Promise<void>((r) => bareServer.close(() => r()));
  await slackApp.stop();
  await outbox.close();
  await ctx.close();
  await slack.stop();
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  await embedded?.stop();
}

await main();
