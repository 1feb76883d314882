import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteByPrefix } from '../../src/core/keys.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/harness.ts';
import { spawnCaio } from '../helpers/worker-process.ts';

const prefix = uniquePrefix('cli-config');
const env = { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' };

afterAll(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
});

async function caio(...args: string[]) {
  const p = spawnCaio(args, env);
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('caio config', () => {
  it('shows the stored policy, refuses bad values and unconfirmed loosening, and changes it with --yes', { timeout: 60_000 }, async () => {
    const shown = await caio('config', 'show');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('"version": 1');
    expect(shown.out).toContain('"max_daily_sends": 0');

    const bad = await caio('config', 'set', 'safety.send_rate_per_minute=0');
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('field "safety.send_rate_per_minute"');

    const notAField = await caio('config', 'set', 'pipeline.concurrency=5');
    expect(notAField.code).toBe(2);
    expect(notAField.out).toContain('is not a policy field');

    const unconfirmed = await caio('config', 'set', 'safety.max_daily_sends=50');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.out).toContain('loosens safety (daily cap raised from 0 to 50)');

    const confirmed = await caio('config', 'set', 'safety.max_daily_sends=50', 'safety.warmup={"ramp":[5,10]}', '--yes');
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain('policy version 2:');
    expect(confirmed.out).toContain('safety.max_daily_sends: 0 → 50');

    const tighten = await caio('config', 'set', 'safety.max_daily_sends=40');
    expect(tighten.code).toBe(0);

    const after = await caio('config', 'show');
    expect(after.out).toContain('"version": 3');
    expect(after.out).toContain('"max_daily_sends": 40');
    const audit = await caio('audit');
    const changes = audit.out.split('\n').filter((l) => l.includes('"policy.change"')).map((l) => JSON.parse(l) as { actor: string; details: { to_version: number } });
    expect(changes.map((c) => c.details.to_version)).toEqual([2, 3]);
    expect(changes[0]!.actor).toMatch(/^cli/);
  });
});
