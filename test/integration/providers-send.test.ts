import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../../src/core/config.ts';
import { RETRY_POLICIES } from '../../src/core/http-client.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { assertLiveConfig } from '../../src/providers/live.ts';
import { CAMPAIGN_ID, createLiveHarness, FAKE_KEYS, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SENDING = { ...FAST_LIVE, safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, auto_approve: true, send_rate_per_minute: 100_000 } };

describe('Instantly behind the safety gate', () => {
  it('never adds a lead twice when Instantly fails after taking it and the send is retried', async () => {
    const { people } = fakePeople(3, () => 'apollo');
    h = await createLiveHarness({ name: 'send-retry', people, settings: SENDING });
    // Instantly stores each lead, then answers 500 to every attempt of the first call: the job fails
    // an attempt and BullMQ retries the send; the gate allows the retry with the same idempotency key.
    h.fakes.instantly.failNext(RETRY_POLICIES.fast.attempts, { kind: 'status', status: 500, afterHandling: true, path: '/api/v2/leads' });
    h.startWorkers();
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 3, startedBy: 'test' });
    const run = await waitForRun(h, runId);
    expect(run.status).toBe('completed');
    expect(run.stages.send).toMatchObject({ in: 3, out: 3, errors: 0 });
    // One add-lead call per address: a 500 (or a lost answer) is not repeated in-process; the job's
    // retry finds the reserved key and asks Instantly's lead list instead of adding again.
    const posts = h.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads');
    expect(posts).toHaveLength(3);
    expect(h.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads/list').length).toBeGreaterThanOrEqual(1);
    expect(posts.every((r) => (r.body as { skip_if_in_campaign?: boolean }).skip_if_in_campaign === true)).toBe(true);
    // Each address is in the campaign exactly once: one email each.
    const campaign = h.fakes.instantly.campaigns.get(CAMPAIGN_ID);
    expect([...(campaign?.keys() ?? [])].sort()).toEqual(people.map((p) => p.email).sort());
    const sent = (await h.ctx.audit.list({})).filter((e) => e.action === 'send.sent');
    expect(sent).toHaveLength(3);
    // The failed attempts were logged (stage failures included) without a key or an address.
    expect(h.logLines.some((l) => l.includes('"status":500'))).toBe(true);
    for (const line of h.logLines) {
      for (const secret of Object.values(FAKE_KEYS)) expect(line).not.toContain(secret);
      for (const p of people) expect(line).not.toContain(p.email ?? '@@');
    }
  });

  it('makes no provider call at all while the emergency stop is on', async () => {
    h = await createLiveHarness({ name: 'send-stop' });
    await h.ctx.emergency.stop('test', 'drill');
    const contact = { email: 'v@example.com', first_name: 'V', last_name: null, company_name: null, source: 'rb2b', tags: [] };
    await expect(h.providers.ghl!.upsertContact(contact)).rejects.toMatchObject({ code: 'EMERGENCY_STOPPED' });
    expect(h.fakes.ghl.requests).toHaveLength(0);
    await h.ctx.emergency.clear();
    await new Promise((r) => setTimeout(r, 300));
    await expect(h.providers.ghl!.upsertContact(contact)).resolves.toMatchObject({ created: true });
  });

  it('parks the send while the Instantly breaker is open and sends once it closes', async () => {
    const { people } = fakePeople(4, () => 'apollo');
    const settings = { ...SENDING, providers: { ...FAST_LIVE.providers, breaker: { failures: 2, window_ms: 10_000, cooldown_ms: 300 } } };
    h = await createLiveHarness({ name: 'send-breaker', people, settings });
    h.fakes.instantly.setFault({ kind: 'status', status: 503, path: '/api/v2/leads' });
    h.startWorkers();
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 4, startedBy: 'test' });
    // Instantly comes back once its breaker has opened.
    await until(() => h!.recorder.transitions.some((t) => t.provider === 'instantly' && t.to === 'open'));
    h.fakes.instantly.setFault(null);
    const run = await waitForRun(h, runId);
    expect(run.stages.send).toMatchObject({ in: 4, out: 4, errors: 0 });
    expect(h.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.size).toBe(4);
    expect(h.recorder.transitions.filter((t) => t.provider === 'instantly').map((t) => t.to)).toContain('open');
  });
});

describe('live mode configuration', () => {
  it('refuses to start without the required keys, naming each missing variable', () => {
    const config = buildConfig({}, { CAIO_PROVIDERS: 'live', APOLLO_API_KEY: 'x' });
    expect(() => assertLiveConfig(config)).toThrow(ConfigError);
    expect(() => assertLiveConfig(config)).toThrow(/INSTANTLY_API_KEY, INSTANTLY_CAMPAIGN_ID/);
    expect(() => assertLiveConfig(buildConfig({}, {}))).not.toThrow();
  });
});
