import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { isCliInvocation, runCli } from './cli/index.ts';
import { ConfigError, loadConfig, loadEnvFile } from './core/config.ts';
import { createLogger } from './core/logger.ts';
import { createMetrics } from './core/metrics.ts';
import { checkEviction, inspectRedis, refuseCluster } from './core/redis-checks.ts';
import { StartupError } from './core/startup-error.ts';
import { assertLiveConfig, createLiveProviders } from './providers/live.ts';
import { createContext, type AppContext } from './context.ts';
import { RunRequestError } from './jobs/runs.ts';
import { startPipelineWorkers, type PipelineWorkers } from './jobs/workers.ts';
import { startWebhookWorker, type WebhookWorker } from './webhooks/worker.ts';
import { openRedis } from './runtime.ts';
import { createHttpApp, listen } from './server.ts';
import { createSlackNotifier } from './bot/outbox.ts';
import { startOutboxWorker, type OutboxWorker } from './bot/outbox-worker.ts';
import { createSlackApp, type SlackApp } from './slack-app.ts';

export type Role = 'web' | 'worker' | 'all';

/** Starts the service in a role (DESIGN §1) and shuts down gracefully on SIGTERM/SIGINT. */
export async function startService(role: Role): Promise<void> {
  const config = loadConfig(process.env);
  assertLiveConfig(config);
  const logger = createLogger(config.env.LOG_LEVEL);
  const handle = await openRedis(config, logger, 'persistent');
  // A Redis Cluster or an evicting Redis is refused before anything is written to it.
  const durability = await inspectRedis(handle.redis)
    .then((found) => checkEviction(refuseCluster(found), config.env.CAIO_ALLOW_EVICTION))
    .catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
  const slackOn = config.env.SLACK_BOT_TOKEN !== undefined;
  // With Slack configured, pipeline events go to the Slack outbox; without it they are only logged.
  // The service's /metrics carries prom-client's process metrics too (CPU, memory, event loop lag, GC).
  const metrics = createMetrics({ defaultMetrics: true });
  const ctx = createContext({ config, logger, redis: handle.redis, metrics, liveProviders: createLiveProviders, ...(slackOn ? { notifier: createSlackNotifier } : {}) });
  let workers: PipelineWorkers | null = null;
  let webhookWorker: WebhookWorker | null = null;
  let server: Server | null = null;
  let outbox: OutboxWorker | null = null;
  let slack: SlackApp | null = null;
  let marker: NodeJS.Timeout | undefined;
  const closeAll = async () => {
    clearInterval(marker);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await slack?.stop();
    await workers?.close();
    await outbox?.close();
    await webhookWorker?.close();
    await ctx.close();
    await handle.close();
  };
  try {
    marker = await markService(ctx, role);
    // Each warning once in the log and, with Slack on, as a WARNING alert (the outbox dedupes restarts).
    for (const warning of durability.warnings) {
      if (slackOn) logger.warn({ level_name: 'WARNING', policy: durability.policy, persistence: durability.persistence }, warning);
      await ctx.notifier.alert('WARNING', warning, { policy: durability.policy, persistence: durability.persistence });
    }
    if (!slackOn) logger.warn('SLACK_BOT_TOKEN is unset: Slack is off (no commands, approval cards or alerts)');
    if (config.env.EMERGENCY_STOP) logger.warn('EMERGENCY_STOP is set: this process makes no outbound call');
    if (role === 'worker' || role === 'all') {
      workers = startPipelineWorkers(ctx);
      if (slackOn) outbox = startOutboxWorker(ctx);
      webhookWorker = startWebhookWorker(ctx);
    }
    if (role === 'web' || role === 'all') {
      const http = createHttpApp(ctx);
      if (slackOn) slack = createSlackApp(ctx, { http });
      server = await listen(http, config.env.PORT);
      await slack?.start();
      logger.info({ port: config.env.PORT }, 'http server listening');
    }
  } catch (err) {
    // Nothing is left behind: the embedded redis-server above all must not outlive this process.
    await closeAll().catch(() => undefined);
    throw err;
  }
  logger.info({ role, providers: ctx.providers.kind, config: config.file }, 'caio started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight jobs');
    await closeAll();
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

/** How long the running-service marker lives without a refresh (a killed service's marker expires). */
const SERVICE_MARKER_TTL_S = 300;

/** Marks the key prefix as a running service's, so `caio run --sandbox` can never be pointed at it. */
async function markService(ctx: AppContext, role: Role): Promise<NodeJS.Timeout> {
  const write = () => ctx.redis.set(ctx.keys.service, JSON.stringify({ role, providers: ctx.providers.kind, pid: process.pid, at: new Date().toISOString() }), 'EX', SERVICE_MARKER_TTL_S);
  await write();
  const timer = setInterval(() => void write().catch((err: unknown) => ctx.logger.warn({ err }, 'service marker refresh failed')), (SERVICE_MARKER_TTL_S * 1000) / 5);
  timer.unref();
  return timer;
}

function fail(err: unknown): never {
  if (err instanceof ConfigError || err instanceof RunRequestError || err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof Error && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`${err.message}\nRun "caio help" for usage.\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  // Before anything reads the environment; a variable set in the real environment wins.
  loadEnvFile();
  if (isCliInvocation(argv)) {
    process.exitCode = await runCli(argv);
    return;
  }
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string', default: 'all' } }, strict: true });
  const role = values.role;
  if (role !== 'web' && role !== 'worker' && role !== 'all') throw new ConfigError(`--role must be web, worker or all (got "${role}")`);
  await startService(role);
}

main(process.argv.slice(2)).catch(fail);
