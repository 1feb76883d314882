import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share one Redis (isolated by key prefix) and spawn worker processes;
    // two cores cannot run many of them at once without starving BullMQ's lock renewals.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
