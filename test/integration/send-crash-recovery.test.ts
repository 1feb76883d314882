import { UnrecoverableError, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/core/types.ts';
import { leadJobId } from '../../src/jobs/queues.ts';
import { CAMPAIGN_ID, createLiveHarness, FAKE_KEYS, FAST_LIVE, waitForRun, type LiveHarness } from '../helpers/live-harness.ts';
import { TEST_REDIS_URL } from '../helpers/harness.ts';
import { seedApprovedLead, seedApprovedRun, seededEmail, seededLead, seededSteps, seedRun } from '../helpers/seed-approved.ts';
import { spawnCaio, waitFor, writeTempConfig, type WorkerProcess } from '../helpers/worker-process.ts';
import { bullPrefix } from '../../src/core/queue.ts';

let h: LiveHarness | undefined;
const children: WorkerProcess[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
  cleanups.splice(0).forEach((c) => c());
  await h?.close();
  h = undefined;
});

/** Real sends (no shadow mode), no cadence, a sweep every `sweep_ms`. */
function sendingSettings(pipeline: Record<string, unknown> = {}, providers: Record<string, unknown> = {}) {
  return {
    ...FAST_LIVE,
    safety: { shadow_mode: false, actually_send: true, max_daily_sends: 1000, auto_approve: false, send_rate_per_minute: 100_000 },
    pipeline: { ...FAST_LIVE.pipeline, sweep_ms: 300, ...pipeline },
    providers: { ...FAST_LIVE.providers, ...providers },
    cadence: { enabled: false },
  };
}

const TERMINAL = ['sent', 'skipped', 'shadowed', 'failed', 'rejected'];

/** `caio --role worker` in live mode, pointed at this harness's fakes and Redis prefix. */
function spawnLiveWorker(harness: LiveHarness, settings: unknown): WorkerProcess {
  const config = writeTempConfig(settings);
  cleanups.push(config.cleanup);
  const child = spawnCaio(['--role', 'worker'], {
    REDIS_URL: TEST_REDIS_URL,
    CAIO_REDIS_PREFIX: harness.prefix,
    CAIO_CONFIG: config.file,
    CAIO_PROVIDERS: 'live',
    APOLLO_API_KEY: FAKE_KEYS.apollo,
    APOLLO_BASE_URL: harness.fakes.apollo.url,
    INSTANTLY_API_KEY: FAKE_KEYS.instantly,
    INSTANTLY_BASE_URL: harness.fakes.instantly.url,
    INSTANTLY_CAMPAIGN_ID: CAMPAIGN_ID,
  });
  children.push(child);
  return child;
}

/** Instantly calls of the send stage (add and list), as the fake saw them arrive. */
function sendCalls(harness: LiveHarness): number {
  return harness.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads' || r.path === '/api/v2/leads/list').length;
}

async function leadsOf(harness: LiveHarness, runId: string): Promise<Lead[]> {
  const refs = await harness.ctx.store.runLeadRefs(runId);
  return (await Promise.all(refs.map((r) => harness.ctx.store.getLead(r)))).filter((l): l is Lead => l !== null);
}

/** Waits for the run to finish; on a timeout, says where every lead and send job is. */
async function finished(harness: LiveHarness, runId: string, timeoutMs: number) {
  return waitForRun(harness, runId, timeoutMs).catch(async (err: unknown) => {
    const leads = await leadsOf(harness, runId);
    const states = await Promise.all(leads.map(async (l) => `${l.id}:${l.state}/${await harness.ctx.queues.byStage.send.getJobState(leadJobId(l.ref, 'send'))}`));
    throw new Error(`${(err as Error).message}\nleads: ${states.join(' ')}`, { cause: err });
  });
}

describe('a send retried after a crash asks Instantly first', () => {
  it('a reserved key whose lead is already in the campaign: no second add, the key is marked sent with that lead', async () => {
    h = await createLiveHarness({ name: 'reserved-found', settings: sendingSettings() });
    const runId = await seedRun(h.ctx, 2);
    // Lead 0: an earlier attempt reserved the key and reached Instantly, then the worker died.
    const existing = h.fakes.instantly.seedLead(CAMPAIGN_ID, seededEmail(0));
    await h.redis.set(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`), 'reserved');
    // Lead 1: an earlier attempt reserved the key and died before Instantly heard of it.
    await h.redis.set(h.ctx.keys.sendIdempotency(`${seededEmail(1)}|1`), 'reserved');
    await seedApprovedLead(h.ctx, runId, 0);
    await seedApprovedLead(h.ctx, runId, 1);
    h.startWorkers();
    const run = await finished(h, runId, 20_000);
    expect(run.status).toBe('completed');
    expect(run.stages.send).toMatchObject({ in: 2, out: 2, errors: 0 });
    const adds = h.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads');
    expect(adds.map((r) => (r.body as { email: string }).email)).toEqual([seededEmail(1)]);
    expect(h.fakes.instantly.duplicateAdds).toBe(0);
    const lists = h.fakes.instantly.requests.filter((r) => r.path === '/api/v2/leads/list');
    expect(lists.map((r) => r.body)).toEqual(expect.arrayContaining([{ campaign: CAMPAIGN_ID, contacts: [seededEmail(0)], limit: 1 }, { campaign: CAMPAIGN_ID, contacts: [seededEmail(1)], limit: 1 }]));
    expect(await h.redis.get(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`))).toBe(`sent:${existing.id}`);
    expect(await h.redis.get(h.ctx.keys.sendIdempotency(`${seededEmail(1)}|1`))).toBe(`sent:${h.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.get(seededEmail(1))?.id}`);
    expect((await leadsOf(h, runId)).map((l) => l.state)).toEqual(['sent', 'sent']);
  });

  it('a lead list answer of the wrong shape sends nothing: the lead fails visibly and its key stays reserved', async () => {
    h = await createLiveHarness({ name: 'reserved-malformed', settings: sendingSettings() });
    h.fakes.instantly.setFault({ kind: 'malformed', path: '/api/v2/leads/list' });
    const runId = await seedRun(h.ctx, 1);
    await h.redis.set(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`), 'reserved');
    await seedApprovedLead(h.ctx, runId, 0);
    h.startWorkers();
    const run = await finished(h, runId, 20_000);
    expect(run.stages.send).toMatchObject({ in: 1, out: 0, errors: 1 });
    expect(h.fakes.instantly.adds).toBe(0);
    expect((await leadsOf(h, runId)).map((l) => l.state)).toEqual(['failed']);
    expect(await h.redis.get(h.ctx.keys.sendIdempotency(`${seededEmail(0)}|1`))).toBe('reserved');
    expect(h.recorder.alerts.some((a) => a.level === 'WARNING' && a.text.includes('instantly'))).toBe(true);
  });
});

describe('no lead is left behind after approval', () => {
  it('the sweeper resumes a lost send job and an unapplied decision, and fails a send job that failed unrouted, with a WARNING', async () => {
    h = await createLiveHarness({ name: 'sweeper', settings: sendingSettings({ sweep_ms: 300 }) });
    const ctx = h.ctx;
    const runId = await seedRun(ctx, 4);
    // Lead 0: its send job failed in a process that died before routing the failure.
    const failedLead = await seedApprovedLead(ctx, runId, 0);
    const bare = new Worker('send', null, { connection: h.redis, prefix: bullPrefix(ctx.keys.prefix) });
    const job = await bare.getNextJob('bare-token');
    expect(job?.id).toBe(leadJobId(failedLead.ref, 'send'));
    await job!.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), 'bare-token');
    await bare.close();
    // Lead 1: approved, but its send job was lost.
    const lost = await seedApprovedLead(ctx, runId, 1);
    await ctx.queues.byStage.send.remove(leadJobId(lost.ref, 'send'));
    // Lead 2: an ordinary approved lead.
    await seedApprovedLead(ctx, runId, 2);
    // Lead 3: approved in Slack, but the process died before the lead moved on to the send stage.
    const late = seededLead(runId, 3);
    await ctx.store.createLead({ ...late, state: 'awaiting_approval' });
    await ctx.store.stageIn(runId, 'approve', late.ref);
    await ctx.store.setAwaiting(runId, late.ref, true);
    const { approval } = await ctx.approvals.request({ runId, leadRef: late.ref, steps: seededSteps('Hi 3') });
    expect((await ctx.approvals.decide(approval.id, { action: 'approve', by: 'U_APPROVER', shownHash: approval.hash })).ok).toBe(true);

    h.startWorkers();
    const run = await finished(h, runId, 20_000);
    expect(run.status).toBe('completed');
    const states = Object.fromEntries((await leadsOf(h, runId)).map((l) => [l.id, l.state]));
    expect(states).toEqual({ seed0: 'failed', seed1: 'sent', seed2: 'sent', seed3: 'sent' });
    expect(run.stages.send).toMatchObject({ in: 4, out: 3, errors: 1 });
    expect(run.stages.approve.in).toBe(run.stages.approve.out + run.stages.approve.dropped + run.stages.approve.errors);
    expect(h.fakes.instantly.adds).toBe(3);
    expect(h.recorder.alerts.filter((a) => a.level === 'WARNING').map((a) => a.text)).toEqual(expect.arrayContaining([expect.stringMatching(/\b1 stranded lead failed/)]));
  });
});

describe('SIGKILL of worker processes mid-send', () => {
  it('a send job that stalls out (max_stalled 1) is queued again, looks the lead up at Instantly instead of adding it twice, and the run finishes truthfully', { timeout: 90_000 }, async () => {
    const settings = sendingSettings({ lock_ms: 1_000, max_stalled: 1, sweep_ms: 1_000 }, { timeout_ms: 5_000 });
    h = await createLiveHarness({ name: 'stalled-twice', settings, latencyMs: 1_500 });
    const { runId } = await seedApprovedRun(h.ctx, 1);
    const harness = h;
    for (let kill = 0; kill < 2; kill++) {
      const before = sendCalls(harness);
      const child = spawnLiveWorker(harness, settings);
      // The fake holds each call for 1.5 s: the kill lands while the send is waiting on Instantly.
      await waitFor(async () => sendCalls(harness) > before, 30_000, `a send call from worker ${kill + 1}`);
      expect(await child.stop('SIGKILL')).toBe('SIGKILL');
    }
    spawnLiveWorker(harness, settings);
    const run = await finished(harness, runId, 30_000);
    expect(run.status).toBe('completed');
    // The lead reached Instantly before the kills: it is shown as sent, not failed.
    expect(run.stages.send).toMatchObject({ in: 1, out: 1, errors: 0 });
    expect((await leadsOf(harness, runId)).map((l) => l.state)).toEqual(['sent']);
    expect(harness.fakes.instantly.campaigns.get(CAMPAIGN_ID)?.size).toBe(1);
    // The later attempts asked Instantly instead of adding the lead again.
    expect(harness.fakes.instantly.duplicateAdds).toBe(0);
  });

  it('ten SIGKILLs mid-send: no duplicate add, no stranded lead, the run finishes', { timeout: 150_000 }, async () => {
    const settings = sendingSettings({ lock_ms: 1_000, concurrency: 4, attempts: 5, sweep_ms: 1_000 }, { timeout_ms: 5_000 });
    h = await createLiveHarness({ name: 'kill10', settings, latencyMs: 300 });
    const total = 40;
    const { runId } = await seedApprovedRun(h.ctx, total);
    const harness = h;
    let kills = 0;
    for (let i = 0; i < 10; i++) {
      const before = sendCalls(harness);
      const child = spawnLiveWorker(harness, settings);
      // Between one and four calls into this worker's life, so kills land at different points of a send.
      const calls = 1 + (i % 4);
      await waitFor(async () => sendCalls(harness) >= before + calls, 30_000, `send calls from worker ${i + 1}`);
      expect(await child.stop('SIGKILL')).toBe('SIGKILL');
      kills++;
    }
    spawnLiveWorker(harness, settings);
    const run = await finished(harness, runId, 60_000);
    const leads = await leadsOf(harness, runId);
    const stranded = leads.filter((l) => !TERMINAL.includes(l.state));
    const sent = leads.filter((l) => l.state === 'sent');
    const campaign = harness.fakes.instantly.campaigns.get(CAMPAIGN_ID) ?? new Map();
    console.info(`kills=${kills} adds=${harness.fakes.instantly.adds} duplicate_adds=${harness.fakes.instantly.duplicateAdds} stranded=${stranded.length} sent=${sent.length} failed=${leads.filter((l) => l.state === 'failed').length} in_campaign=${campaign.size}`);
    expect(kills).toBe(10);
    expect(harness.fakes.instantly.duplicateAdds).toBe(0);
    expect(stranded.map((l) => `${l.id}:${l.state}`)).toEqual([]);
    expect(run.status).toBe('completed');
    expect(run.terminal).toBe(total);
    for (const stage of Object.values(run.stages)) expect(stage.in).toBe(stage.out + stage.dropped + stage.errors);
    // Every address is in the campaign at most once, and every sent lead's key names its Instantly lead.
    expect([...campaign.keys()].filter((k: string) => k.includes('#'))).toEqual([]);
    // Nobody Instantly will email is shown as failed.
    expect(sent.length).toBe(campaign.size);
    for (const lead of sent) {
      expect(await harness.redis.get(harness.ctx.keys.sendIdempotency(`${lead.email}|1`))).toBe(`sent:${campaign.get(lead.email!)?.id}`);
    }
  });
});
