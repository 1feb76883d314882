import type { Redis } from 'ioredis';
import type { Config } from './core/config.ts';
import type { Logger } from './core/logger.ts';
import { createRedis, startEmbeddedRedis, type EmbeddedRedis } from './core/redis.ts';

export interface RedisHandle {
  redis: Redis;
  url: string;
  embedded: EmbeddedRedis | null;
  close(): Promise<void>;
}

/** REDIS_URL, or a private embedded redis-server when it is unset (DESIGN §3). */
export async function openRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  const embedded = config.env.REDIS_URL ? null : await startEmbeddedRedis();
  const url = config.env.REDIS_URL ?? embedded?.url ?? '';
  if (embedded) logger.info({ port: embedded.port }, 'REDIS_URL is unset: started a private redis-server (nothing is kept after exit)');
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
