import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { buildConfig, type Config } from '../../src/core/config.ts';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { Run } from '../../src/core/store.ts';
import type { RunStatus } from '../../src/core/types.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/jobs/workers.ts';

/** REDIS_URL when given, else the private Redis test/global-setup.ts started. */
export const TEST_REDIS_URL = inject('redisUrl');

/** Fast sandbox settings: short waits so a run finishes in seconds. */
export const FAST_SANDBOX = {
  safety: { auto_approve: true, send_rate_per_minute: 100_000 },
  pipeline: { concurrency: 20, backoff_ms: 50, clay_timeout_ms: 2_000, bettercontact_poll_ms: 20, attempts: 3 },
  sandbox: { clay_callback_delay_ms: 20, bettercontact_ready_after_polls: 1 },
};

export function uniquePrefix(name: string): string {
  return `caio-test-${name}-${randomBytes(4).toString('hex')}`;
}

export interface Harness {
  prefix: string;
  config: Config;
  redis: Redis;
  ctx: AppContext;
  workers: PipelineWorkers | null;
  startWorkers(): PipelineWorkers;
  waitForRun(runId: string, statuses: RunStatus[], timeoutMs?: number): Promise<Run>;
  close(): Promise<void>;
}

/** A real Redis under a unique prefix, the real context and (optionally) real workers. */
export async function createHarness(name: string, settings: unknown = FAST_SANDBOX, env: Record<string, string> = {}): Promise<Harness> {
  const prefix = uniquePrefix(name);
  const config = buildConfig(settings, { CAIO_REDIS_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, ...env });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const ctx = createContext({ config, logger, redis });
  const harness: Harness = {
    prefix,
    config,
    redis,
    ctx,
    workers: null,
    startWorkers() {
      harness.workers = startPipelineWorkers(ctx);
      return harness.workers;
    },
    async waitForRun(runId, statuses, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await ctx.store.getRun(runId);
        if (run && statuses.includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not reach ${statuses.join('/')} (now ${run?.status}); ${JSON.stringify(run?.stages)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await harness.workers?.close();
      await ctx.close();
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    },
  };
  return harness;
}
