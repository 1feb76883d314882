import { afterEach, describe, expect, it } from 'vitest';
import { resumeEverything } from '../../src/jobs/control.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { changePolicy } from '../../src/jobs/policy-change.ts';
import { CAMPAIGN_ID, createLiveHarness, FAST_LIVE, fakePeople, until, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';

let h: LiveHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PREFLIGHT = { preflight_interval_ms: 60_000, preflight_recheck_ms: 200, campaign_sync_ms: 100 };
const SENDING = {
  ...FAST_LIVE,
  safety: { shadow_mode: false, actually_send: true, max_daily_sends: 100, auto_approve: true, send_rate_per_minute: 100_000 },
  providers: { ...FAST_LIVE.providers, ...PREFLIGHT },
};
const CAMPAIGN_PATH = `/api/v2/campaigns/${CAMPAIGN_ID}`;
const LEADS_PATH = '/api/v2/leads';

const critical = (harness: LiveHarness) => harness.recorder.alerts.filter((a) => a.level === 'CRITICAL');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('campaign preflight (DESIGN §9)', () => {
  it('a campaign missing {{caio_body_3}} gets no lead and one CRITICAL alert; once fixed, the sends go by themselves', async () => {
    const { people } = fakePeople(2, () => 'apollo');
    // A short interval, so the fix is seen by the next scheduled check.
    h = await createLiveHarness({ name: 'preflight-body3', people, settings: { ...SENDING, providers: { ...SENDING.providers, preflight_interval_ms: 1_500 } } });
    const harness = h;
    const campaign = harness.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID);
    campaign.sequences[0]!.steps[2]!.variants[0]!.body = '<div>Hi {{firstName}}, following up.</div>';
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source: 'default', limit: 2, startedBy: 'test' });
    const send = harness.ctx.queues.byStage.send;
    await until(async () => ((await send.getJobCounts('delayed')).delayed ?? 0) === 2, 20_000);
    // Several rechecks later: still nothing added, still one alert.
    await sleep(800);
    expect(harness.fakes.instantly.requests.filter((r) => r.path === LEADS_PATH)).toHaveLength(0);
    expect(critical(harness)).toHaveLength(1);
    expect(critical(harness)[0]!.text).toContain(CAMPAIGN_ID);
    expect(critical(harness)[0]!.text).toContain('email step 3: the body lacks {{caio_body_3}}');
    const last = await harness.ctx.preflight.last();
    expect(last).toMatchObject({ ok: false, campaign_id: CAMPAIGN_ID, problems: [{ check: 'placeholders' }] });

    campaign.sequences[0]!.steps[2]!.variants[0]!.body = '<div>{{caio_body_3}}</div>';
    const run = await waitForRun(harness, runId, 20_000);
    expect(run.status).toBe('completed');
    expect(run.stages.send).toMatchObject({ in: 2, out: 2, errors: 0 });
    expect(harness.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.size).toBe(2);
    expect(critical(harness)).toHaveLength(1);
    expect(harness.recorder.alerts.some((a) => a.level === 'INFO' && a.text.includes('passes the preflight again'))).toBe(true);
  });

  it('/caio resume (resumeEverything) forces the check at once', async () => {
    h = await createLiveHarness({ name: 'preflight-force', settings: SENDING });
    const harness = h;
    const campaign = harness.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID);
    campaign.stop_on_reply = false;
    harness.startWorkers();
    expect(await harness.ctx.preflight.ready()).toBe(false);
    expect(critical(harness)[0]!.text).toContain('stop_on_reply is off');
    campaign.stop_on_reply = true;
    // The interval is a minute: only the forced check can see the fix this soon.
    await resumeEverything(harness.ctx, 'U_RESUMER');
    await until(async () => (await harness.ctx.preflight.last())?.ok === true, 5_000);
    expect(await harness.ctx.preflight.ready()).toBe(true);
  });

  describe('bad input: a clear CRITICAL alert and no send', () => {
    async function refused(name: string, setUp: (harness: LiveHarness) => void, expected: string): Promise<void> {
      const { people } = fakePeople(1, () => 'apollo');
      h = await createLiveHarness({ name, people, settings: SENDING });
      const harness = h;
      setUp(harness);
      harness.startWorkers();
      await startRun(harness.ctx, { source: 'default', limit: 1, startedBy: 'test' });
      await until(async () => ((await harness.ctx.queues.byStage.send.getJobCounts('delayed')).delayed ?? 0) === 1, 20_000);
      await sleep(500);
      expect(harness.fakes.instantly.requests.filter((r) => r.path === LEADS_PATH)).toHaveLength(0);
      expect(critical(harness)).toHaveLength(1);
      expect(critical(harness)[0]!.text).toContain(CAMPAIGN_ID);
      expect(critical(harness)[0]!.text).toContain(expected);
    }

    it('a campaign id that does not exist (404)', async () => {
      await refused('preflight-404', (x) => x.fakes.instantly.campaignApi.removeCampaign(CAMPAIGN_ID), 'HTTP 404');
    });

    it('a 401 from Instantly', async () => {
      await refused('preflight-401', (x) => x.fakes.instantly.setFault({ kind: 'status', status: 401, path: CAMPAIGN_PATH }), 'refused the API key (HTTP 401)');
    });

    it('a campaign with zero email steps', async () => {
      await refused('preflight-nosteps', (x) => (x.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID).sequences = [{ steps: [] }]), 'no email step');
    });

    it('an A/B variant lacking a placeholder', async () => {
      await refused(
        'preflight-ab',
        (x) => x.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID).sequences[0]!.steps[0]!.variants.push({ subject: 'A better subject', body: '{{caio_body_1}}' }),
        'email step 1, variant B: the subject lacks {{caio_subject_1}}',
      );
    });

    it('more email steps than CAIO approves', async () => {
      await refused(
        'preflight-six',
        (x) => x.fakes.instantly.campaignApi.campaign(CAMPAIGN_ID).sequences[0]!.steps.push({ type: 'email', delay: 3, variants: [{ subject: '', body: 'One more thing' }] }),
        'the campaign has 6 email steps but CAIO approves 5',
      );
    });
  });

  it('a passing read that later fails in passing keeps the result; shadow mode never reads the campaign', async () => {
    h = await createLiveHarness({ name: 'preflight-shadow' });
    expect(await h.ctx.preflight.ready()).toBe(true);
    expect(h.fakes.instantly.requests.filter((r) => r.path === CAMPAIGN_PATH)).toHaveLength(0);
    await h.close();
    h = await createLiveHarness({ name: 'preflight-transient', settings: SENDING });
    expect(await h.ctx.preflight.ready()).toBe(true);
    h.fakes.instantly.setFault({ kind: 'status', status: 503, path: CAMPAIGN_PATH });
    const kept = await h.ctx.preflight.check();
    expect(kept).toMatchObject({ ok: true, stale_error: 'HTTP 503' });
    expect(h.recorder.alerts.filter((a) => a.level !== 'INFO')).toHaveLength(0);
  });
});

describe('the daily cap at the provider (DESIGN §9)', () => {
  it('PATCHes daily_limit to the effective cap (warm-up included) and again when the policy changes', async () => {
    const settings = { ...SENDING, safety: { ...SENDING.safety, max_daily_sends: 40, warmup: { ramp: [7, 14] } } };
    h = await createLiveHarness({ name: 'daily-limit', settings });
    const harness = h;
    const api = harness.fakes.instantly.campaignApi;
    harness.startWorkers();
    expect(await harness.ctx.preflight.ready()).toBe(true);
    expect(api.patches.map((p) => p.body)).toEqual([{ daily_limit: 7 }]);
    expect(api.campaign(CAMPAIGN_ID).daily_limit).toBe(7);
    // Nothing to change: the watch does not write again.
    await sleep(400);
    expect(api.patches).toHaveLength(1);

    const stored = await harness.ctx.policy.read();
    if (!stored.ok) throw new Error('policy unreadable');
    const next = { ...stored.stored.policy, safety: { ...stored.stored.policy.safety, max_daily_sends: 5 } };
    const outcome = await changePolicy(harness.ctx, { next, by: 'U_ADMIN', expectedVersion: stored.stored.version, confirmed: true });
    expect(outcome.kind).toBe('changed');
    await until(() => api.patches.length === 2, 5_000);
    expect(api.patches[1]!.body).toEqual({ daily_limit: 5 });
    await until(async () => (await harness.ctx.preflight.last())?.daily_limit === 5, 5_000);
    expect((await harness.ctx.audit.list({})).filter((e) => e.action === 'campaign.daily_limit').map((e) => e.details)).toEqual(
      expect.arrayContaining([expect.objectContaining({ before: 50, after: 7 }), expect.objectContaining({ before: 7, after: 5 })]),
    );
  });
});
