import { pino } from 'pino';
import { loadConfig, type Config } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { createSlackNotifier } from '../bot/outbox.ts';
import { createContext, type AppContext } from '../context.ts';
import { assertLiveConfig, createLiveProviders } from '../providers/live.ts';
import { openRedis, type EmbeddedMode, type RedisHandle } from '../runtime.ts';

/**
 * The CLI's logger writes to stderr (fd 2), so stdout carries only results: `caio audit`, `caio shadow`
 * and `caio config show` stay clean JSON whatever LOG_LEVEL says. Sync, so a line logged just before
 * the process exits is not lost. Quieter than the service by default: a terminal wants results.
 */
export function cliLogger(): Logger {
  return createLogger(process.env.LOG_LEVEL ?? 'warn', pino.destination({ fd: 2, sync: true }));
}

/** Opens Redis (REDIS_URL, a running local service's, or a private one), builds the context, runs `fn`, then closes both. */
export async function withContext<T>(
  config: Config,
  logger: Logger,
  fn: (ctx: AppContext, handle: RedisHandle) => Promise<T>,
  options: { slack?: boolean; redis?: EmbeddedMode } = {},
): Promise<T> {
  assertLiveConfig(config);
  // Without REDIS_URL a command looks at the Redis a local service keeps in CAIO_DATA_DIR, if one runs.
  const handle = await openRedis(config, logger, options.redis ?? 'attach');
  // With Slack configured, a stop or a decision made here is announced and shown in Slack too:
  // the messages go to the shared outbox, which the service's workers post.
  const slackOn = (options.slack ?? true) && config.env.SLACK_BOT_TOKEN !== undefined;
  const ctx = createContext({ config, logger, redis: handle.redis, liveProviders: createLiveProviders, ...(slackOn ? { notifier: createSlackNotifier } : {}) });
  try {
    return await fn(ctx, handle);
  } finally {
    await ctx.close();
    await handle.close();
  }
}

/** `withContext` for the commands that use this process's environment as it is. */
export function withDefaultContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  return withContext(loadConfig(process.env), cliLogger(), fn);
}
