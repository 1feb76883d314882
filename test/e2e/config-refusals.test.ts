import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio, writeTempConfig } from '../helpers/worker-process.ts';

// Settings that could never send are refused at start (issue 8), before anything touches Redis.
describe('caio refuses safety settings that cannot work', () => {
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: uniquePrefix('cfg') });

  it.each<[string, string, Record<string, unknown>, string]>([
    ['a send window whose from equals its to', '--role worker', { send_window: { from: '09:00', to: '09:00', timezone: 'Europe/Berlin' } }, 'field "safety.send_window.to": must differ from "from"'],
    ['a warm-up ramp starting with 0', 'status', { warmup: { ramp: [0, 10, 20] } }, 'field "safety.warmup.ramp.0": must be a whole number of at least 1'],
  ])('%s: `caio %s` exits 2 naming the file and field', async (_what, args, safety, message) => {
    const config = writeTempConfig({ safety });
    try {
      const caio = spawnCaio(args.split(' '), { ...env(), CAIO_CONFIG: config.file });
      expect(await caio.exited).toBe(2);
      expect(caio.output()).toContain(`invalid config in ${config.file}: ${message}`);
    } finally {
      config.cleanup();
    }
  });
});
