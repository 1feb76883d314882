import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own: `npm run test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // A private redis-server on a free port unless REDIS_URL is given (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share one Redis (isolated by key prefix) and spawn worker processes;
    // two cores cannot run many of them at once without starving BullMQ's lock renewals.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
