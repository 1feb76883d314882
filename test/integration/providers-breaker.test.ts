import { afterEach, describe, expect, it } from 'vitest';
import { BreakerOpenError, createCircuitBreaker } from '../../src/core/circuit-breaker.ts';
import { HttpStatusError, RateLimitedError } from '../../src/core/http-client.ts';
import type { Lead } from '../../src/core/types.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createLiveHarness, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const BREAKER = { failures: 3, window_ms: 10_000, cooldown_ms: 400 };
const settings = { ...FAST_LIVE, providers: { ...FAST_LIVE.providers, breaker: BREAKER } };

function lead(id: string): Lead {
  return {
    id, ref: `run_x-${id}`, runId: 'run_x', source: 'default', state: 'scraped', updated_at: new Date().toISOString(),
    first_name: 'A', last_name: 'B', title: null, seniority: null, email: null, email_status: null, linkedin_url: null,
    company_name: null, company_domain: null, industry: null, employee_count: null, signals: [],
  };
}

async function gauge(h: LiveHarness, provider: string): Promise<number | undefined> {
  return (await h.ctx.metrics.breakerState.get()).values.find((v) => v.labels.provider === provider)?.value;
}

const matches = (h: LiveHarness) => h.fakes.apollo.requests.filter((r) => r.path === '/api/v1/people/match').length;

describe('circuit breaker in Redis', () => {
  it('opens after N failures, alerts once, lets exactly one probe through when half-open, and closes', async () => {
    const { people } = fakePeople(1, () => 'apollo');
    // A longer cooldown here: the "still open" checks below must run before it ends, even on a busy machine.
    const slow = { ...BREAKER, cooldown_ms: 1_500 };
    h = await createLiveHarness({ name: 'breaker', people, settings: { ...settings, providers: { ...settings.providers, breaker: slow } } });
    h.fakes.apollo.setFault({ kind: 'status', status: 503 });
    for (let i = 0; i < BREAKER.failures - 1; i++) {
      await expect(h.providers.apollo.matchPerson(lead('ap00000'))).rejects.toMatchObject({ code: 'HTTP_STATUS', status: 503 });
    }
    // The failure that opens the breaker already comes back as "park", with the HTTP error as cause.
    const opening = (await h.providers.apollo.matchPerson(lead('ap00000')).catch((e: unknown) => e)) as BreakerOpenError;
    expect(opening).toBeInstanceOf(BreakerOpenError);
    expect(opening.cause).toMatchObject({ status: 503 });
    expect(h.recorder.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open']);
    expect(h.recorder.transitions[0]).toMatchObject({ provider: 'apollo' });
    expect(h.recorder.transitions[0]?.reason).toContain('HTTP 503');
    expect(await gauge(h, 'apollo')).toBe(2);

    // Open: no request reaches Apollo, from this worker or any other sharing the Redis.
    const before = matches(h);
    const err = (await h.providers.apollo.matchPerson(lead('ap00000')).catch((e: unknown) => e)) as BreakerOpenError;
    expect(err).toBeInstanceOf(BreakerOpenError);
    expect(err.retryAt).toBeGreaterThan(Date.now());
    const otherWorker = createCircuitBreaker({ redis: h.redis, keys: h.ctx.keys, logger: h.ctx.logger, notifier: h.recorder.notifier }, 'apollo', slow, 5_000);
    await expect(otherWorker.run(async () => 'called')).rejects.toBeInstanceOf(BreakerOpenError);
    expect(matches(h)).toBe(before);

    // Cooldown over: of five concurrent calls exactly one probes; the rest are told to come back later.
    await new Promise((r) => setTimeout(r, slow.cooldown_ms + 50));
    h.fakes.apollo.setFault(null);
    h.fakes.apollo.latencyMs = 150;
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(() => h!.providers.apollo.matchPerson(lead('ap00000'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof BreakerOpenError)).toHaveLength(4);
    expect(matches(h)).toBe(before + 1);
    expect(h.recorder.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
    expect(await gauge(h, 'apollo')).toBe(0);
    expect(await h.providers.breakerStates()).toMatchObject({ apollo: 'closed', instantly: 'closed' });
  });

  it('re-opens when the half-open probe fails, reporting each transition once', async () => {
    h = await createLiveHarness({ name: 'breaker-reopen', settings });
    h.fakes.apollo.setFault({ kind: 'status', status: 500 });
    for (let i = 0; i < BREAKER.failures; i++) await h.providers.apollo.matchPerson(lead('x')).catch(() => undefined);
    await new Promise((r) => setTimeout(r, BREAKER.cooldown_ms + 50));
    await expect(h.providers.apollo.matchPerson(lead('x'))).rejects.toMatchObject({ code: 'BREAKER_OPEN', cause: { status: 500 } });
    expect(h.recorder.transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>open']);
    expect(await h.providers.breakerStates()).toMatchObject({ apollo: 'open' });
  });

  it('frees the half-open probe when our own rate limiter deferred it before anything was sent', async () => {
    h = await createLiveHarness({ name: 'breaker-probe-free', settings });
    const breaker = createCircuitBreaker({ redis: h.redis, keys: h.ctx.keys, logger: h.ctx.logger, notifier: h.recorder.notifier }, 'ghl', BREAKER, 60_000);
    const down = new HttpStatusError('ghl', 'contacts/upsert', 503, null, null);
    for (let i = 0; i < BREAKER.failures; i++) await breaker.run(() => Promise.reject(down)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, BREAKER.cooldown_ms + 50));
    await expect(breaker.run(() => Promise.reject(new RateLimitedError('ghl', 'rate-limit', Date.now() + 1_000)))).rejects.toBeInstanceOf(RateLimitedError);
    expect(await breaker.state()).toBe('half_open');
    // The probe key was released: the next caller probes at once (a 60 s probe TTL would otherwise block it).
    await expect(breaker.run(async () => 'ok')).resolves.toBe('ok');
    expect(await breaker.state()).toBe('closed');
  });

  it('does not count 4xx answers as outages', async () => {
    h = await createLiveHarness({ name: 'breaker-4xx', settings });
    h.fakes.apollo.setFault({ kind: 'status', status: 422 });
    for (let i = 0; i < BREAKER.failures + 2; i++) await h.providers.apollo.matchPerson(lead('x')).catch(() => undefined);
    expect(h.recorder.transitions).toHaveLength(0);
  });

  it('parks enrichment while the breaker is open and finishes every lead once Apollo is back', async () => {
    const { people } = fakePeople(12, () => 'apollo');
    h = await createLiveHarness({ name: 'breaker-park', people, settings });
    h.startWorkers();
    // Search works; People Match is down for longer than the cooldown.
    h.fakes.apollo.setFault({ kind: 'status', status: 503, path: '/api/v1/people/match' });
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 12, startedBy: 'test' });
    // Apollo stays down through one failed half-open probe, then comes back.
    await until(() => h!.recorder.transitions.some((t) => t.to === 'open' && t.from === 'half_open'));
    h.fakes.apollo.setFault(null);
    const run = await waitForRun(h, runId);
    expect(run.status).toBe('completed');
    expect(run.stages.enrich.errors).toBe(0);
    expect(run.stages.enrich.out).toBe(12);
    const seen = h.recorder.transitions.map((t) => `${t.from}>${t.to}`);
    expect(seen.filter((t) => t === 'closed>open')).toHaveLength(1);
    expect(seen).toContain('half_open>open');
    expect(seen.at(-1)).toBe('half_open>closed');
  });
});
