import { afterEach, describe, expect, it } from 'vitest';
import { resumeEverything, stopEverything } from '../../src/jobs/control.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { SANDBOX_CAMPAIGN_ID } from '../../src/providers/sandbox-campaign.ts';
import { createHarness, FAST_SANDBOX, type Harness } from '../helpers/harness.ts';
import { until } from '../helpers/live-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the sandbox campaigns (no keys, DESIGN §9)', () => {
  it('a sandbox that sends for real passes the preflight, gets its daily_limit, and is paused and activated', async () => {
    h = await createHarness('campaign-sandbox', {
      ...FAST_SANDBOX,
      safety: { ...FAST_SANDBOX.safety, shadow_mode: false, actually_send: true, max_daily_sends: 9 },
      providers: { campaign_sync_ms: 100, control_backoff_ms: 50 },
    });
    const harness = h;
    const campaigns = harness.ctx.providers.campaigns;
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source: 'default', limit: 4, startedBy: 'test' });
    const run = await harness.waitForRun(runId, ['completed']);
    expect(run.stages.send.out).toBeGreaterThan(0);
    expect(run.stages.send).toMatchObject({ out: run.stages.send.in, errors: 0 });
    expect(await harness.ctx.gate.listShadow()).toHaveLength(0);
    expect(await harness.ctx.preflight.last()).toMatchObject({ ok: true, campaign_id: SANDBOX_CAMPAIGN_ID, email_steps: 5, stop_on_reply: true, daily_limit: 9 });
    const read = await campaigns.instantly!.read();
    expect(read.ok && read.campaign.daily_limit).toBe(9);

    await stopEverything(harness.ctx, 'U1', 'sandbox stop');
    await until(async () => (await harness.ctx.providerControl.states()).filter((s) => s.confirmed?.seq === s.seq && s.want === 'pause').length === 2, 3_000);
    const paused = await campaigns.instantly!.read();
    expect(paused.ok && paused.campaign.status).toBe(2);
    await resumeEverything(harness.ctx, 'U1');
    await until(async () => {
      const again = await campaigns.instantly!.read();
      return again.ok && again.campaign.status === 1;
    }, 3_000);
  });
});
