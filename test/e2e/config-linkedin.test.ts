import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio, writeTempConfig } from '../helpers/worker-process.ts';

// LinkedIn restricts accounts above roughly 20-25 connection requests a day (issue 11).
describe('caio refuses LinkedIn caps above what LinkedIn tolerates', () => {
  it('`daily_connection_cap: 30` stops `caio --role worker` with exit 2, naming the file and the field', async () => {
    const config = writeTempConfig({ linkedin: { daily_connection_cap: 30 } });
    try {
      const caio = spawnCaio(['--role', 'worker'], { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: uniquePrefix('cfg-li'), CAIO_CONFIG: config.file });
      expect(await caio.exited).toBe(2);
      expect(caio.output()).toContain(`invalid config in ${config.file}: field "linkedin.daily_connection_cap": must be at most 25`);
    } finally {
      config.cleanup();
    }
  });
});
