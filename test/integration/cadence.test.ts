import { afterEach, describe, expect, it } from 'vitest';
import { scheduleCadence } from '../../src/jobs/cadence.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createHarness, FAST_SANDBOX, type Harness } from '../helpers/harness.ts';
import { waitFor } from '../helpers/worker-process.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const settings = (safety: Record<string, unknown>) => ({
  ...FAST_SANDBOX,
  safety: { ...FAST_SANDBOX.safety, shadow_mode: false, actually_send: true, max_daily_sends: 1000, ...safety },
  // A cadence "day" of 100 ms runs the 21-day plan in about two seconds.
  cadence: { enabled: true, day_ms: 100 },
});

describe('cadence scheduler', () => {
  it('after the first email, adds the lead to HeyReach once and posts the call task; message steps wait for an accepted connection; steps are audited', async () => {
    harness = await createHarness('cadence', settings({}));
    harness.startWorkers();
    const h = harness;
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 10, startedBy: 'U1' });
    const run = await h.waitForRun(runId, ['completed']);
    const sent = run.stages.send.out;
    expect(sent).toBeGreaterThan(0);
    // Step 1 (the connection request) adds the lead; the message steps need an accepted connection
    // (HeyReach's CONNECTION_REQUEST_ACCEPTED webhook), which the sandbox never reports: skipped, audited.
    await waitFor(async () => (await h.ctx.audit.list({ action: 'cadence.linkedin_step' })).length === sent, 15_000, 'one LinkedIn connection step per lead');
    await waitFor(async () => (await h.ctx.audit.list({ action: 'cadence.linkedin_skipped' })).length === sent * 2, 15_000, 'two skipped LinkedIn message steps per lead');
    expect(await h.redis.llen(h.ctx.keys.sandboxHeyReach)).toBe(sent);
    expect((await h.ctx.audit.list({ action: 'cadence.call_task' })).length).toBe(sent);
  });

  it('a suppressed address (reply, bounce, unsubscribe) ends the cadence; shadow mode only records steps', async () => {
    // Shadow mode schedules nothing by itself, so the steps below are the only ones.
    harness = await createHarness('cadence-stop', settings({ shadow_mode: true }));
    harness.startWorkers();
    const h = harness;
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 10, startedBy: 'U1' });
    await h.waitForRun(runId, ['completed']);
    const refs = await h.ctx.store.runLeadRefs(runId);
    const leads = (await Promise.all(refs.map((r) => h.ctx.store.getLead(r)))).filter((l) => l?.state === 'shadowed');
    expect(leads.length).toBeGreaterThan(1);
    const [kept, ...stopped] = leads;
    for (const lead of stopped) await h.ctx.gate.suppress(lead!.email!, 'replied');
    for (const lead of leads) await scheduleCadence(h.ctx, lead!, Date.now());
    await waitFor(async () => (await h.ctx.audit.list({ action: 'cadence.stopped' })).length === stopped.length * 4, 15_000, 'every step stopped');
    await waitFor(async () => (await h.ctx.audit.list({ action: 'cadence.shadow' })).length === 3, 15_000, 'the kept lead\'s LinkedIn steps shadowed');
    const calls = await h.ctx.audit.list({ action: 'cadence.call_task' });
    expect(calls.map((c) => c.subject)).toEqual([`${kept!.ref}|call1`]);
    expect(await h.redis.llen(h.ctx.keys.sandboxHeyReach)).toBe(0);
  });

  it('shadow mode schedules no cadence at all', async () => {
    harness = await createHarness('cadence-shadow', settings({ shadow_mode: true }));
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source: 'default', limit: 10, startedBy: 'U1' });
    await harness.waitForRun(runId, ['completed']);
    expect(await harness.ctx.queues.cadence.count()).toBe(0);
  });
});
