import { afterEach, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/core/types.ts';
import { resumeEverything, stopEverything } from '../../src/jobs/control.ts';
import { newRunId, startRun } from '../../src/jobs/runs.ts';
import { createHarness, FAST_SANDBOX, TEST_REDIS_URL, type Harness } from '../helpers/harness.ts';
import { seededSteps } from '../helpers/seed-approved.ts';
import { spawnCaio, waitFor, writeTempConfig, type WorkerProcess } from '../helpers/worker-process.ts';

let harness: Harness | undefined;
const children: WorkerProcess[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
  cleanups.splice(0).forEach((c) => c());
  await harness?.close();
  harness = undefined;
});

const LIVE_SEND = (overrides: Record<string, unknown> = {}) => ({
  ...FAST_SANDBOX,
  safety: { shadow_mode: false, actually_send: true, max_daily_sends: 1000, auto_approve: true, send_rate_per_minute: 100_000, ...overrides },
});

async function sandboxSends(h: Harness): Promise<Array<{ idempotencyKey: string; leadRef: string }>> {
  const rows = await h.redis.lrange(h.ctx.keys.sandboxInstantly, 0, -1);
  return rows.map((r) => JSON.parse(r) as { idempotencyKey: string; leadRef: string });
}

function spawnWorker(h: Harness, settings: unknown): WorkerProcess {
  const config = writeTempConfig(settings);
  cleanups.push(config.cleanup);
  const child = spawnCaio(['--role', 'worker'], { REDIS_URL: TEST_REDIS_URL, CAIO_REDIS_PREFIX: h.prefix, CAIO_CONFIG: config.file, CAIO_PROVIDERS: 'sandbox' });
  children.push(child);
  return child;
}

/** Puts `count` enriched, crafted and approved leads straight into a run's send stage. */
async function seedApprovedLeads(h: Harness, count: number): Promise<string> {
  const runId = newRunId();
  await h.ctx.store.createRun({ id: runId, source: 'default', limit: count, started_by: 'test' });
  await h.ctx.store.setRunFields(runId, { total: count });
  for (let i = 0; i < count; i++) {
    const ref = `${runId}-seed${i}`;
    const lead: Lead = {
      id: `seed${i}`, ref, runId, source: 'default', state: 'crafted', updated_at: new Date().toISOString(),
      first_name: 'Ana', last_name: `Lee${i}`, title: 'VP Sales', seniority: 'vp', email: `ana.lee${i}@acme.example`, email_status: 'verified',
      linkedin_url: null, company_name: 'Acme', company_domain: 'acme.example', industry: 'Software', employee_count: 200, signals: [],
    };
    await h.ctx.store.createLead(lead);
    const { approval } = await h.ctx.approvals.request({ runId, leadRef: ref, steps: seededSteps(`Hi ${i}`) });
    const decided = await h.ctx.approvalService.decide(approval.id, { action: 'approve', by: 'U_APPROVER', shownHash: approval.hash });
    expect(decided.ok).toBe(true);
  }
  return runId;
}

describe('idempotency and safety under retries, races, stops and crashes', () => {
  it('starting the same run twice creates no duplicate jobs, shadow emails or sends', async () => {
    harness = await createHarness('twice');
    harness.startWorkers();
    const runId = newRunId();
    const [a, b] = await Promise.all([
      startRun(harness.ctx, { runId, source: 'default', limit: 30, startedBy: 'U1' }),
      startRun(harness.ctx, { runId, source: 'default', limit: 30, startedBy: 'U1' }),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const run = await harness.waitForRun(runId, ['completed']);
    const again = await startRun(harness.ctx, { runId, source: 'default', limit: 30, startedBy: 'U1' });
    expect(again.created).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    const after = await harness.ctx.store.getRun(runId);
    expect(after?.stages).toEqual(run.stages);
    const shadows = await harness.ctx.gate.listShadow();
    expect(shadows).toHaveLength(run.stages.send.out);
    expect(new Set(shadows.map((s) => s.leadRef)).size).toBe(shadows.length);
    expect(await harness.ctx.queues.byStage.scrape.getJobCounts('completed', 'waiting', 'delayed')).toEqual({ completed: 1, waiting: 0, delayed: 0 });
    expect((await harness.ctx.audit.list({ action: 'run.start' })).length).toBe(1);
  });

  it('two worker processes racing under max_daily_sends=10 send exactly 10 and hold 30', async () => {
    const settings = LIVE_SEND({ max_daily_sends: 10, auto_approve: false });
    harness = await createHarness('race', settings);
    const runId = await seedApprovedLeads(harness, 40);
    spawnWorker(harness, settings);
    spawnWorker(harness, settings);
    const h = harness;
    await waitFor(async () => {
      const run = await h.ctx.store.getRun(runId);
      return (run?.held ?? 0) + (run?.terminal ?? 0) >= 40;
    }, 45_000, '40 leads sent or held');
    await new Promise((r) => setTimeout(r, 300));
    const sends = await sandboxSends(harness);
    expect(sends).toHaveLength(10);
    expect(new Set(sends.map((s) => s.idempotencyKey)).size).toBe(10);
    const run = await harness.ctx.store.getRun(runId);
    expect(run?.held).toBe(30);
    expect(run?.stages.send.out).toBe(10);
    expect((await harness.ctx.gate.sendsToday()).count).toBe(10);
  });

  it('the stop flag set mid-run stops every send; resume finishes without duplicates', async () => {
    harness = await createHarness('stop', LIVE_SEND({ send_rate_per_minute: 300 }));
    harness.startWorkers();
    const h = harness;
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 40, startedBy: 'U1' });
    await waitFor(async () => (await sandboxSends(h)).length >= 2, 30_000, 'the first sends');
    await stopEverything(h.ctx, 'U_STOPPER', 'test stop');
    // A send the gate reserved before the stop may still be writing; then nothing more may come.
    await new Promise((r) => setTimeout(r, 300));
    const atStop = (await sandboxSends(h)).length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await sandboxSends(h)).length).toBe(atStop);
    expect((await h.ctx.store.getRun(runId))?.status).toBe('stopped');

    await resumeEverything(h.ctx, 'U_STOPPER');
    const run = await h.waitForRun(runId, ['completed'], 45_000);
    const sends = await sandboxSends(h);
    expect(sends.length).toBeGreaterThan(atStop);
    expect(sends).toHaveLength(run.stages.send.out);
    expect(new Set(sends.map((s) => s.idempotencyKey)).size).toBe(sends.length);
    expect(run.terminal).toBe(run.total);
  });

  it('a worker killed with SIGKILL mid-run: another worker finishes it, no lead lost, none sent twice', { timeout: 90_000 }, async () => {
    const settings = { ...LIVE_SEND({ send_rate_per_minute: 240 }), pipeline: { ...FAST_SANDBOX.pipeline, lock_ms: 1_500 } };
    harness = await createHarness('sigkill', settings);
    const h = harness;
    const first = spawnWorker(h, settings);
    const { runId } = await startRun(h.ctx, { source: 'default', limit: 40, startedBy: 'U1' });
    await waitFor(async () => (await sandboxSends(h)).length >= 2, 30_000, 'the first sends');
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    const before = (await h.ctx.store.getRun(runId))?.terminal ?? 0;
    spawnWorker(h, settings);
    const run = await h.waitForRun(runId, ['completed'], 45_000).catch(async (err: unknown) => {
      const refs = await h.ctx.store.runLeadRefs(runId);
      const states = await Promise.all(refs.map(async (r) => `${r.slice(-5)}:${(await h.ctx.store.getLead(r))?.state}`));
      const counts = await Promise.all(['enrich', 'send', 'segment', 'craft', 'approve'].map(async (s) => `${s}=${JSON.stringify(await h.ctx.queues.byStage[s as 'send'].getJobCounts())}`));
      throw new Error(`${(err as Error).message}\nleads: ${states.join(' ')}\nqueues: ${counts.join(' ')}`, { cause: err });
    });
    expect(run.terminal).toBeGreaterThan(before);
    expect(run.terminal).toBe(run.total);
    const refs = await h.ctx.store.runLeadRefs(runId);
    expect(refs).toHaveLength(run.total ?? -1);
    const leads = await Promise.all(refs.map((r) => h.ctx.store.getLead(r)));
    const terminalStates = ['sent', 'skipped', 'unenriched', 'disqualified', 'rejected', 'failed', 'shadowed'];
    for (const lead of leads) expect(terminalStates, lead?.ref).toContain(lead?.state);
    const sends = await sandboxSends(h);
    expect(new Set(sends.map((s) => s.idempotencyKey)).size).toBe(sends.length);
    expect(sends).toHaveLength(leads.filter((l) => l?.state === 'sent').length);
    for (const stage of Object.values(run.stages)) expect(stage.in).toBe(stage.out + stage.dropped + stage.errors);
  });

  it('a resume after a stop releases held sends no faster than the configured send rate', async () => {
    const settings = LIVE_SEND({ auto_approve: false, send_rate_per_minute: 600 });
    harness = await createHarness('noburst', settings);
    const h = harness;
    await stopEverything(h.ctx, 'U_STOPPER', 'before the sends');
    const runId = await seedApprovedLeads(h, 30);
    h.startWorkers();
    await new Promise((r) => setTimeout(r, 500));
    expect(await sandboxSends(h)).toHaveLength(0);
    await resumeEverything(h.ctx, 'U_STOPPER');
    await waitFor(async () => (await sandboxSends(h)).length === 30, 30_000, '30 sends after resume');
    const times = (await h.redis.lrange(h.ctx.keys.sandboxInstantly, 0, -1)).map((r) => Date.parse((JSON.parse(r) as { at: string }).at)).sort((a, b) => a - b);
    // 600/min is 10 per second: 30 sends span at least two full seconds instead of going out at once.
    expect(times[29]! - times[0]!).toBeGreaterThanOrEqual(1_900);
    const inAnySecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
    expect(inAnySecond).toBeLessThanOrEqual(20);
    // A send is recorded at the provider a moment before its lead is counted out of the stage.
    await waitFor(async () => (await h.ctx.store.getRun(runId))?.stages.send.out === 30, 10_000, 'the 30 sends counted out');
  });

  it('a run started during an emergency stop waits, marked stopped, and runs after resume', async () => {
    harness = await createHarness('start-stopped');
    harness.startWorkers();
    const h = harness;
    await stopEverything(h.ctx, 'U_STOPPER', 'maintenance');
    const { runId, stopped } = await startRun(h.ctx, { source: 'default', limit: 10, startedBy: 'U1' });
    expect(stopped).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const waiting = await h.ctx.store.getRun(runId);
    expect(waiting?.status).toBe('stopped');
    expect(waiting?.total).toBeNull();
    await resumeEverything(h.ctx, 'U_STOPPER');
    expect((await h.waitForRun(runId, ['completed'])).total).toBe(10);
  });
});
