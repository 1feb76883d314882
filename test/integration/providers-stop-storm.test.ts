import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, ProviderDeferredError, type HttpClient, type RetryPolicy } from '../../src/core/http-client.ts';
import { createLogger } from '../../src/core/logger.ts';
import { resumeEverything, stopEverything } from '../../src/jobs/control.ts';
import { startRun } from '../../src/jobs/runs.ts';
import type { OutboundEmail } from '../../src/providers/types.ts';
import { startFakeServer, type FakeServer } from '../fakes/fake-server.ts';
import { CAMPAIGN_ID, createLiveHarness, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';

/**
 * DESIGN §6: the emergency stop halts every outbound call cluster-wide within one second. These
 * tests set the stop while a request is between attempts (asleep on Retry-After or backoff, or
 * waiting for a rate-limit slot) and check that no further attempt reaches the provider.
 */

/** What DESIGN §6 promises, from the flag being set to the call giving up. */
const STOP_WITHIN_MS = 1_000;

/** Long sleeps between attempts, so a stop always lands while a retry is asleep. */
const SLOW_RETRIES: RetryPolicy = { attempts: 4, baseMs: 3_000, maxMs: 6_000, maxRetryAfterMs: 10_000 };

const SENDING = { ...FAST_LIVE, safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, auto_approve: true, send_rate_per_minute: 100_000 } };
const LEADS_PATH = '/api/v2/leads';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** TEST_LOG_LEVEL=info prints the measured stop-to-give-up times. */
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

describe('http client: a per-attempt guard', () => {
  let fake: FakeServer | undefined;
  let client: HttpClient | undefined;
  afterEach(async () => {
    await client?.close();
    await fake?.close();
    fake = undefined;
    client = undefined;
  });

  async function setup(policy: RetryPolicy) {
    fake = await startFakeServer(() => ({ status: 200, body: { ok: true } }));
    client = createHttpClient({ logger: createLogger('silent'), policy, timeoutMs: 2_000 });
    const stop = { on: false };
    const guard = async () => {
      if (stop.on) throw new ProviderDeferredError('EMERGENCY_STOPPED', 'test', 'thing', Date.now() + 5_000, 'test thing: emergency stop is on');
    };
    const call = (extra: Record<string, unknown> = {}) =>
      client!.request({ provider: 'test', route: 'thing', method: 'POST', url: `${fake!.url}/thing`, body: { a: 1 }, idempotent: true, guard, ...extra });
    return { stop, call };
  }

  /** Starts a call, sets the stop once the first attempt was answered and a retry is asleep. */
  async function stopMidSleep(setupResult: Awaited<ReturnType<typeof setup>>) {
    const outcome = setupResult.call().then(
      () => ({ error: null as unknown, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    await until(() => fake!.requests.length >= 1);
    await sleep(150);
    setupResult.stop.on = true;
    const stoppedAt = Date.now();
    const { error, at } = await outcome;
    return { error, tookMs: at - stoppedAt };
  }

  it('wakes from a Retry-After sleep and gives up within a second of the stop', async () => {
    const s = await setup({ ...SLOW_RETRIES, baseMs: 5, maxMs: 50 });
    fake!.setFault({ kind: 'status', status: 429, retryAfter: '5' });
    const { error, tookMs } = await stopMidSleep(s);
    log.info({ took_ms: tookMs }, 'http client: stop to give-up (Retry-After)');
    expect(error).toBeInstanceOf(ProviderDeferredError);
    expect((error as ProviderDeferredError).code).toBe('EMERGENCY_STOPPED');
    expect(tookMs).toBeLessThan(STOP_WITHIN_MS);
    expect(fake!.requests).toHaveLength(1);
  });

  it('wakes from a backoff sleep and gives up within a second of the stop', async () => {
    const s = await setup({ ...SLOW_RETRIES, baseMs: 4_000, maxMs: 8_000 });
    fake!.setFault({ kind: 'status', status: 503 });
    const { error, tookMs } = await stopMidSleep(s);
    log.info({ took_ms: tookMs }, 'http client: stop to give-up (backoff)');
    expect((error as ProviderDeferredError).code).toBe('EMERGENCY_STOPPED');
    expect(tookMs).toBeLessThan(STOP_WITHIN_MS);
    expect(fake!.requests).toHaveLength(1);
  });

  it('checks the guard after beforeAttempt (the rate-limit wait), immediately before sending', async () => {
    const s = await setup(SLOW_RETRIES);
    // The stop is set while the attempt is still waiting for its rate-limit slot.
    const beforeAttempt = async () => {
      await sleep(100);
      s.stop.on = true;
    };
    await expect(s.call({ beforeAttempt })).rejects.toMatchObject({ code: 'EMERGENCY_STOPPED' });
    expect(fake!.requests).toHaveLength(0);
  });

  it('without a stop, a guarded retry still waits out its Retry-After and succeeds', async () => {
    const s = await setup({ ...SLOW_RETRIES, baseMs: 5, maxMs: 50 });
    fake!.failNext(1, { kind: 'status', status: 429, retryAfter: '1' });
    const res = await s.call();
    expect(res.status).toBe(200);
    expect(fake!.requests).toHaveLength(2);
    const [first, second] = fake!.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });
});

describe('emergency stop during a 429 storm from Instantly', () => {
  let h: LiveHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function stopFlagAt(harness: LiveHarness): Promise<number> {
    const at = await harness.redis.hget(harness.ctx.keys.stopFlag, 'at');
    if (!at) throw new Error('stop flag is not set');
    return Date.parse(at);
  }

  /**
   * One lead reaches send while Instantly throttles every add-lead; the stop is set while the
   * send's retry is asleep. Nothing may reach Instantly after the flag, the job must park (not
   * fail), and after the resume the lead is added exactly once.
   */
  async function stormThenStop(name: string, fault: { retryAfter?: string }) {
    const { people } = fakePeople(1, () => 'apollo');
    h = await createLiveHarness({ name, people, settings: SENDING, policy: SLOW_RETRIES });
    const harness = h;
    harness.fakes.instantly.setFault({ kind: 'status', status: 429, path: LEADS_PATH, ...fault });
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source: 'default', limit: 1, startedBy: 'test' });
    const leadPosts = () => harness.fakes.instantly.requests.filter((r) => r.path === LEADS_PATH);
    await until(() => leadPosts().length >= 1);
    await sleep(150);

    await stopEverything(harness.ctx, 'U_STOPPER', 'stop during a 429 storm');
    const flagAt = await stopFlagAt(harness);
    const send = harness.ctx.queues.byStage.send;
    await until(async () => ((await send.getJobCounts('delayed')).delayed ?? 0) >= 1, 20_000);
    const gaveUpMs = Date.now() - flagAt;
    log.info({ gave_up_ms: gaveUpMs, name }, 'storm: stop flag to job parked');
    // Long enough for any retry that slipped through to have reached the fake.
    await sleep(1_500);

    const afterStop = leadPosts().filter((r) => r.at >= flagAt);
    const counts = await send.getJobCounts('delayed', 'failed', 'active', 'completed');
    expect({ afterStop: afterStop.length, gaveUpWithinASecond: gaveUpMs < STOP_WITHIN_MS }).toEqual({ afterStop: 0, gaveUpWithinASecond: true });
    expect(counts).toMatchObject({ delayed: 1, failed: 0, active: 0, completed: 0 });
    expect(harness.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.size ?? 0).toBe(0);

    // Instantly recovers; the resume sends the parked lead exactly once.
    harness.fakes.instantly.setFault(null);
    await resumeEverything(harness.ctx, 'U_STOPPER');
    const run = await waitForRun(harness, runId, 30_000);
    expect(run.status).toBe('completed');
    expect(run.stages.send).toMatchObject({ in: 1, out: 1, errors: 0 });
    expect(leadPosts().filter((r) => r.fault === null)).toHaveLength(1);
    expect(harness.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.size).toBe(1);
    expect((await harness.ctx.audit.list({})).filter((e) => e.action === 'send.sent')).toHaveLength(1);
  }

  it('a retry asleep on Retry-After sends nothing after the stop; the job parks and is sent once after resume', async () => {
    await stormThenStop('stop-storm-ra', { retryAfter: '3' });
  });

  it('a retry asleep on backoff sends nothing after the stop; the job parks and is sent once after resume', async () => {
    await stormThenStop('stop-storm-backoff', {});
  });

  it('a call waiting for its rate-limit slot sends nothing after the stop', async () => {
    const settings = { ...SENDING, providers: { ...FAST_LIVE.providers, limits: { ...FAST_LIVE.providers.limits, instantly: { max: 1, per_ms: 4_000 } } } };
    h = await createLiveHarness({ name: 'stop-limiter', settings, policy: SLOW_RETRIES });
    const email = (n: number): OutboundEmail => ({
      idempotencyKey: `k${n}`, leadRef: `r${n}`, email: `lead${n}@example.com`, first_name: 'A', last_name: 'B', company_name: 'C', title: 'VP', steps: [{ subject: 'S', body: 'B' }],
    });
    await h.providers.instantly.addLead(email(1));
    // The second call must wait ~4 s for the next slot; the stop lands during that wait.
    const second = h.providers.instantly.addLead(email(2)).then(
      () => ({ error: null as unknown, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    await sleep(300);
    await h.ctx.emergency.stop('U_STOPPER', 'stop during a rate-limit wait');
    const flagAt = await stopFlagAt(h);
    const { error, at } = await second;
    log.info({ took_ms: at - flagAt }, 'rate-limit wait: stop flag to give-up');
    expect((error as ProviderDeferredError | null)?.code).toBe('EMERGENCY_STOPPED');
    expect(at - flagAt).toBeLessThan(STOP_WITHIN_MS);
    expect(h.fakes.instantly.requests.filter((r) => r.path === LEADS_PATH)).toHaveLength(1);
  });
});
