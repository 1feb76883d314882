import { afterEach, describe, expect, it } from 'vitest';
import { STAGES } from '../../src/core/types.ts';
import { startRun } from '../../src/jobs/runs.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('pipeline on a real Redis', () => {
  it('takes 50 sandbox leads to completed with counts that add up at every stage', async () => {
    harness = await createHarness('pipeline50');
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source: 'default', limit: 50, startedBy: 'test' });
    const run = await harness.waitForRun(runId, ['completed', 'failed']);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.total).toBe(50);
    for (const stage of STAGES) {
      const s = run.stages[stage];
      expect(s.in, stage).toBe(s.out + s.dropped + s.errors);
      expect(s.errors, stage).toBe(0);
    }
    expect(run.stages.scrape.out).toBe(50);
    expect(run.stages.scrape.dropped).toBeGreaterThan(0);
    // Each stage takes what the previous one passed on.
    expect(run.stages.enrich.in).toBe(run.stages.scrape.out);
    expect(run.stages.segment.in).toBe(run.stages.enrich.out);
    expect(run.stages.craft.in).toBe(run.stages.segment.out);
    expect(run.stages.approve.in).toBe(run.stages.craft.out);
    expect(run.stages.send.in).toBe(run.stages.approve.out);
    expect(run.stages.enrich.dropped).toBeGreaterThan(0);
    const shadows = await harness.ctx.gate.listShadow();
    expect(shadows).toHaveLength(run.stages.send.out);
    const refs = await harness.ctx.store.runLeadRefs(runId);
    const leads = await Promise.all(refs.map((r) => harness!.ctx.store.getLead(r)));
    const tiers = new Set(leads.map((l) => l?.enriched_by));
    expect(tiers).toEqual(new Set(['apollo', 'clay', 'bettercontact', 'unenriched']));
  });
});

describe('sandbox data', () => {
  it.each(['competitor_gong', 'event_saastr'] as const)('no lead shape of source %s crashes a stage', async (source) => {
    harness = await createHarness(`shapes-${source}`);
    harness.startWorkers();
    const { runId } = await startRun(harness.ctx, { source, limit: 200, startedBy: 'test' });
    const run = await harness.waitForRun(runId, ['completed', 'failed'], 60_000);
    expect(run.status).toBe('completed');
    for (const stage of STAGES) expect(run.stages[stage].errors, stage).toBe(0);
    const refs = await harness.ctx.store.runLeadRefs(runId);
    const leads = await Promise.all(refs.map((r) => harness!.ctx.store.getLead(r)));
    // The messy cases are really there.
    expect(leads.some((l) => l?.title === null)).toBe(true);
    expect(leads.some((l) => l?.industry === null)).toBe(true);
    expect(leads.some((l) => l?.employee_count === null)).toBe(true);
    expect(leads.some((l) => l?.first_name === null)).toBe(true);
    expect(leads.some((l) => /[^ -~]/.test(`${l?.first_name}${l?.last_name}`))).toBe(true);
    for (const lead of leads.filter((l) => l?.email_draft)) {
      expect(lead?.email_draft?.body).not.toMatch(/Hi ,|\{\{|undefined|null/);
      expect(lead?.cadence?.filter((s) => s.channel === 'email').map((s) => s.day)).toEqual([1, 5, 10, 17, 21]);
    }
  });
});
