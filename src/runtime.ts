import type { Redis } from 'ioredis';
import type { Config } from './core/config.ts';
import type { Logger } from './core/logger.ts';
import { createRedis, runningRedisIn, startEmbeddedRedis, type EmbeddedRedis } from './core/redis.ts';

export interface RedisHandle {
  redis: Redis;
  url: string;
  embedded: EmbeddedRedis | null;
  close(): Promise<void>;
}

/**
 * Where Redis comes from when REDIS_URL is unset: `persistent` (the service) starts a private
 * redis-server keeping its data in CAIO_DATA_DIR; `attach` (CLI commands) uses the one a running
 * service started there, else a throw-away one; `throwaway` (the sandbox demo) always a throw-away one.
 */
export type EmbeddedMode = 'persistent' | 'attach' | 'throwaway';

/** REDIS_URL, or a private embedded redis-server when it is unset (DESIGN §3). */
export async function openRedis(config: Config, logger: Logger, mode: EmbeddedMode = 'throwaway'): Promise<RedisHandle> {
  const attached = !config.env.REDIS_URL && mode === 'attach' ? await runningRedisIn(config.env.CAIO_DATA_DIR) : null;
  const embedded = config.env.REDIS_URL || attached ? null : await startEmbeddedRedis(mode === 'persistent' ? { dataDir: config.env.CAIO_DATA_DIR } : {});
  const url = config.env.REDIS_URL ?? attached ?? embedded?.url ?? '';
  if (attached) logger.info({ url, dataDir: config.env.CAIO_DATA_DIR }, "REDIS_URL is unset: using the running service's Redis in CAIO_DATA_DIR");
  else if (embedded?.dataDir) logger.info({ port: embedded.port, dataDir: embedded.dataDir }, 'REDIS_URL is unset: started a private redis-server keeping its data in CAIO_DATA_DIR (AOF)');
  else if (embedded) logger.info({ port: embedded.port }, 'REDIS_URL is unset: started a private redis-server (nothing is kept after exit)');
  const redis = createRedis(url);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  return {
    redis,
    url,
    embedded,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await embedded?.stop();
    },
  };
}
