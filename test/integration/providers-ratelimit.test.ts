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
    // 20 now, 20 at 500 ms, 20 at 1,000 ms. A wait can end late under load but never early, so these
    // counts hold however busy the machine is.
    const within = (ms: number) => times.filter((t) => t - started < ms).length;
    expect(within(495)).toBeLessThanOrEqual(20);
    expect(within(995)).toBeLessThanOrEqual(40);
    expect(elapsed).toBeGreaterThanOrEqual(995);
    expect(elapsed).toBeLessThan(5_000);
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
    // The limit paced every call Apollo saw (search, matches, retries): N calls at 20 per second need
    // at least (N - 20) / 20 s. (Per-window peaks are checked on the limiter itself above: the fake
    // runs in this busy process, so its arrival stamps carry event-loop jitter.)
    const times = h.fakes.apollo.requests.map((r) => r.at);
    const spanMs = Math.max(...times) - Math.min(...times);
    expect(spanMs).toBeGreaterThanOrEqual(((times.length - apolloLimit.max) / apolloLimit.max) * apolloLimit.per_ms - 250);
    expect(h.recorder.transitions).toHaveLength(0);
  }, 60_000);
});
