import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeEverything, stopEverything } from '../../src/jobs/control.ts';
import { campaignStatusLines, loadCampaignStatus } from '../../src/jobs/campaign-status.ts';
import { createHttpApp, listen } from '../../src/server.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { CAMPAIGN_ID, createLiveHarness, FAST_LIVE, HEYREACH_CAMPAIGN, until, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
let server: Server | undefined;
let webhookWorker: WebhookWorker | undefined;
afterEach(async () => {
  await webhookWorker?.close();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  await h?.close();
  h = undefined;
  server = undefined;
  webhookWorker = undefined;
});

const CONTROL = { control_backoff_ms: 50, control_backoff_max_ms: 200, campaign_sync_ms: 100, preflight_recheck_ms: 200 };
const settingsWith = (providers: Record<string, unknown> = {}, safety: Record<string, unknown> = {}) => ({
  ...FAST_LIVE,
  safety: { ...FAST_LIVE.safety, ...safety },
  providers: { ...FAST_LIVE.providers, ...CONTROL, ...providers },
});
const PAUSE_PATH = `/api/v2/campaigns/${CAMPAIGN_ID}/pause`;

describe('stop at the providers (DESIGN §9)', () => {
  it('a stop pauses the Instantly and HeyReach campaigns within 2 s; a resume activates both', async () => {
    h = await createLiveHarness({ name: 'pause-both', settings: settingsWith() });
    const harness = h;
    harness.startWorkers();
    const stoppedAt = Date.now();
    await stopEverything(harness.ctx, 'U_STOPPER', 'test stop');
    await until(() => harness.fakes.instantly.campaignApi.controls.length === 1 && harness.fakes.heyreach.campaignApi.controls.length === 1, 2_000);
    expect(harness.fakes.instantly.campaignApi.controls[0]).toMatchObject({ id: CAMPAIGN_ID, action: 'pause' });
    expect(harness.fakes.heyreach.campaignApi.controls[0]).toMatchObject({ campaignId: HEYREACH_CAMPAIGN, action: 'pause' });
    expect(harness.fakes.instantly.campaignApi.controls[0]!.at - stoppedAt).toBeLessThan(2_000);
    // The calls carry no JSON body (Instantly refuses an empty one with a JSON content type).
    const pause = harness.fakes.instantly.requests.find((r) => r.path === PAUSE_PATH)!;
    expect(pause.headers['content-type']).toBeUndefined();
    expect(harness.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID).status).toBe(2);
    expect(harness.fakes.heyreach.campaignApi.statuses.get(HEYREACH_CAMPAIGN)).toBe('PAUSED');
    await until(async () => (await harness.ctx.providerControl.states()).every((s) => s.confirmed?.seq === s.seq), 2_000);
    const lines = campaignStatusLines(await loadCampaignStatus(harness.ctx));
    expect(lines.some((l) => /^Instantly campaign camp-0001: pause confirmed at \d{4}-/.test(l))).toBe(true);
    expect(lines.some((l) => /^HeyReach campaign 4242: pause confirmed at /.test(l))).toBe(true);

    await resumeEverything(harness.ctx, 'U_STOPPER');
    await until(() => harness.fakes.instantly.campaignApi.controls.length === 2 && harness.fakes.heyreach.campaignApi.controls.length === 2, 2_000);
    expect(harness.fakes.instantly.campaignApi.controls[1]!.action).toBe('activate');
    expect(harness.fakes.heyreach.campaignApi.controls[1]!.action).toBe('activate');
    expect(harness.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID).status).toBe(1);
    const audit = (await harness.ctx.audit.list({})).map((e) => `${e.action} ${e.subject}`);
    expect(audit).toEqual(expect.arrayContaining([`provider.pause instantly:${CAMPAIGN_ID}`, `provider.pause heyreach:${HEYREACH_CAMPAIGN}`, `provider.activate instantly:${CAMPAIGN_ID}`]));
  });

  it('an Instantly 500 storm with the breaker open: the pause is retried, shown pending, and lands once Instantly recovers', async () => {
    h = await createLiveHarness({ name: 'pause-storm', settings: settingsWith({ breaker: { failures: 2, window_ms: 10_000, cooldown_ms: 60_000 } }) });
    const harness = h;
    harness.fakes.instantly.setFault({ kind: 'status', status: 500 });
    // The outage opens Instantly's breaker first.
    for (let i = 0; i < 3; i++) await harness.providers.instantly.findLead('someone@example.com').catch(() => undefined);
    expect(await harness.providers.breakerStates()).toMatchObject({ instantly: 'open' });
    harness.startWorkers();
    await stopEverything(harness.ctx, 'U_STOPPER', 'stop during an outage');
    await until(() => harness.fakes.instantly.requests.filter((r) => r.path === PAUSE_PATH).length >= 8, 5_000);
    const state = (await harness.ctx.providerControl.states()).find((s) => s.provider === 'instantly')!;
    expect(state.confirmed).toBeNull();
    expect(campaignStatusLines(await loadCampaignStatus(harness.ctx)).some((l) => /^Instantly campaign camp-0001: pause pending \(attempt \d+, last: HTTP 500\)$/.test(l))).toBe(true);
    expect(harness.fakes.instantly.campaignApi.controls).toHaveLength(0);

    harness.fakes.instantly.setFault(null);
    await until(() => harness.fakes.instantly.campaignApi.controls.length === 1, 5_000);
    expect(harness.fakes.instantly.campaignApi.controls[0]!.action).toBe('pause');
    // Still stopped, breaker still open: the pause went through both.
    expect((await harness.ctx.emergency.state()).stopped).toBe(true);
    expect(await harness.providers.breakerStates()).toMatchObject({ instantly: 'open' });
    await until(async () => (await harness.ctx.providerControl.states()).find((s) => s.provider === 'instantly')?.confirmed !== null, 2_000);
  });

  it('the latest request wins: a resume replaces a pause that has not landed', async () => {
    h = await createLiveHarness({ name: 'pause-latest', settings: settingsWith() });
    const harness = h;
    harness.fakes.instantly.setFault({ kind: 'status', status: 503, path: PAUSE_PATH });
    harness.startWorkers();
    await stopEverything(harness.ctx, 'U_STOPPER', 'stop');
    await until(() => harness.fakes.instantly.requests.some((r) => r.path === PAUSE_PATH), 2_000);
    await resumeEverything(harness.ctx, 'U_STOPPER');
    await until(() => harness.fakes.instantly.campaignApi.controls.length === 1, 3_000);
    harness.fakes.instantly.setFault(null);
    await new Promise((r) => setTimeout(r, 500));
    // Only the activate reached Instantly; the failed pause was not retried after it.
    expect(harness.fakes.instantly.campaignApi.controls.map((c) => c.action)).toEqual(['activate']);
    const state = (await harness.ctx.providerControl.states()).find((s) => s.provider === 'instantly')!;
    expect(state.want).toBe('activate');
    expect(state.confirmed?.seq).toBe(state.seq);
  });

  it('a 404 from HeyReach is given up at once with one CRITICAL alert naming the campaign', async () => {
    h = await createLiveHarness({ name: 'pause-404', settings: settingsWith() });
    const harness = h;
    harness.fakes.heyreach.setFault({ kind: 'status', status: 404, path: `/api/public/campaign/Pause?campaignId=${HEYREACH_CAMPAIGN}` });
    harness.startWorkers();
    await stopEverything(harness.ctx, 'U_STOPPER', 'stop');
    await until(() => harness.recorder.alerts.some((a) => a.text.includes('Could not pause the heyreach campaign')), 3_000);
    const alert = harness.recorder.alerts.find((a) => a.text.includes('Could not pause the heyreach campaign'))!;
    expect(alert.level).toBe('CRITICAL');
    expect(alert.text).toContain(HEYREACH_CAMPAIGN);
    expect(harness.fakes.heyreach.requests.filter((r) => r.path.startsWith('/api/public/campaign/Pause'))).toHaveLength(1);
    const lines = campaignStatusLines(await loadCampaignStatus(harness.ctx));
    expect(lines.some((l) => l.startsWith('HeyReach campaign 4242: pause NOT confirmed'))).toBe(true);
  });
});

describe('email_sent at the provider counts toward the cap (DESIGN §9)', () => {
  it('events past the effective cap pause the Instantly campaign once and alert; other campaigns and redeliveries do not count', async () => {
    h = await createLiveHarness({ name: 'provider-cap', settings: settingsWith({}, { shadow_mode: false, actually_send: true, max_daily_sends: 3 }), env: { WEBHOOK_SECRET: 'wh-secret-0123456789' } });
    const harness = h;
    harness.startWorkers();
    webhookWorker = startWebhookWorker(harness.ctx, { concurrency: 2 });
    server = await listen(createHttpApp(harness.ctx), 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/instantly`;
    const post = async (n: number, campaign = CAMPAIGN_ID) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': 'wh-secret-0123456789' },
        body: JSON.stringify({ event_type: 'email_sent', lead_email: `lead${n}@example.com`, campaign_id: campaign, step: (n % 5) + 1, email_id: `em-${campaign}-${n}`, timestamp: new Date().toISOString() }),
      });
      expect(res.status).toBeLessThan(300);
    };
    const sentToday = async () => (await loadCampaignStatus(harness.ctx)).provider_sends.count;
    for (const n of [1, 2, 3]) await post(n);
    await post(3); // a redelivery
    await post(9, 'another-campaign');
    await until(async () => (await sentToday()) === 3, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.fakes.instantly.campaignApi.controls).toHaveLength(0);

    await post(4);
    await post(5);
    await until(() => harness.fakes.instantly.campaignApi.controls.length === 1, 5_000);
    await until(async () => (await sentToday()) === 5, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.fakes.instantly.campaignApi.controls.map((c) => c.action)).toEqual(['pause']);
    // Only Instantly: HeyReach is not Instantly's cap to enforce.
    expect(harness.fakes.heyreach.campaignApi.controls).toHaveLength(0);
    const alerts = harness.recorder.alerts.filter((a) => a.level === 'CRITICAL' && a.text.includes('above the daily cap of 3'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain('Instantly sent 4 emails');
  });
});
