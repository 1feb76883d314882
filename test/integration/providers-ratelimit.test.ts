import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/core/rate-limiter.ts';
import { RateLimitedError } from '../../src/core/http-client.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createLiveHarness, FAST_LIVE, fakePeople, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';


let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The most requests seen in any window of `ms`. */
function peak(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= ms) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe('cluster-wide rate limits', () => {
  it('two workers sharing one limit together stay under it, waiting rather than failing', async () => {
    h = await createLiveHarness({ name: 'limiter' });
    const limit = { max: 20, per_ms: 500 };
    const workerA = createRateLimiter({ redis: h.redis, keys: h.ctx.keys }, 'apollo', limit, 10_000);
    const workerB = createRateLimiter({ redis: h.redis, keys: h.ctx.keys }, 'apollo', limit, 10_000);
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? workerA : workerB).acquire().then(() => times.push(Date.now()))));
    const elapsed = Date.now() - started;
    // 20 now, 20 at 500 ms, 20 at 1,000 ms: never more than 20 per 500 ms (timers fire a few ms late,
    // so the check uses a 450 ms window).
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
    expect(peak(times, 450)).toBeLessThanOrEqual(20);
  });

  it('tells the caller to park when the next slot is further away than it may wait', async () => {
    h = await createLiveHarness({ name: 'limiter-park' });
    const limiter = createRateLimiter({ redis: h.redis, keys: h.ctx.keys }, 'ghl', { max: 2, per_ms: 10_000 }, 100);
    await limiter.acquire();
    await limiter.acquire();
    const err = (await limiter.acquire().catch((e: unknown) => e)) as RateLimitedError;
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.retryAt).toBeGreaterThan(Date.now() + 1_000);
  });

  it('rides out a 429 storm from Apollo within the configured limit, losing no lead', async () => {
    const { people } = fakePeople(30, () => 'apollo');
    const apolloLimit = { max: 20, per_ms: 1_000 };
    h = await createLiveHarness({
      name: 'storm',
      people,
      settings: { ...FAST_LIVE, providers: { ...FAST_LIVE.providers, limits: { ...FAST_LIVE.providers.limits, apollo: apolloLimit } } },
    });
    // The next 60 People Match calls are throttled with Retry-After: 1.
    h.fakes.apollo.failNext(60, { kind: 'status', status: 429, retryAfter: '1', path: '/api/v1/people/match' });
    h.startWorkers();
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 30, startedBy: 'test' });
    const run = await waitForRun(h, runId, 45_000);
    expect(run.status).toBe('completed');
    expect(run.stages.enrich).toMatchObject({ in: 30, out: 30, errors: 0 });
    const matches = h.fakes.apollo.requests.filter((r) => r.path === '/api/v1/people/match');
    expect(matches.filter((r) => r.fault === 'status')).toHaveLength(60);
    expect(matches.length).toBeGreaterThanOrEqual(90);
    // Everything to Apollo (search included) stayed within 20 per second. Slots are granted by Redis's
    // clock and requests arrive a few ms later (new connections, a busy loop), so the fake checks a 900 ms window.
    expect(peak(h.fakes.apollo.requests.map((r) => r.at), 900)).toBeLessThanOrEqual(apolloLimit.max);
    expect(h.recorder.transitions).toHaveLength(0);
  }, 60_000);
});
