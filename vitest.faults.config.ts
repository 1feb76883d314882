import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite alone (kills, Redis restarts, storms), one file at a time.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
