import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../src/core/redis.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** The Redis every test uses: REDIS_URL when given, else a private one started here. */
    redisUrl: string;
  }
}

/**
 * `npm test` sets itself up: without REDIS_URL it starts a private redis-server on a free port
 * (never 6379, so a developer's own Redis is never written to) and stops it after the last file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL?.trim();
  if (given) {
    project.provide('redisUrl', given);
    return async () => undefined;
  }
  const redis = await startEmbeddedRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
