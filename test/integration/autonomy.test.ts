import { afterEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../src/core/approvals.ts';
import { utcDay } from '../../src/core/days.ts';
import { createSegmentKpis } from '../../src/core/segment-kpis.ts';
import type { Lead } from '../../src/core/types.ts';
import { createAnnealing } from '../../src/jobs/autonomy-anneal.ts';
import { createAutonomy } from '../../src/jobs/autonomy-service.ts';
import { instantlyFeeder, passGlobalGates, seedLead, syntheticOutcomes } from '../helpers/autonomy-seed.ts';
import { createHarness, FAST_SANDBOX, type Harness } from '../helpers/harness.ts';
import { createRecordingNotifier } from '../helpers/recording-notifier.ts';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const DAY = 86_400_000;

/** A decided approval as the approval service hands it to the autonomy bookkeeping. */
const decided = (id: string, status: Approval['status'], by = 'UAPPROVER1'): Approval =>
  ({ id, runId: 'run_x', leadRef: id, status, subject: 's', body: 'b', steps: [], hash: 'h', version: 1, created_at: '', decided_by: by, decided_at: new Date().toISOString(), slack_channel: null, slack_ts: null }) as Approval;
const lead = (ref: string, source: Lead['source'], tier: 'A' | 'B' | 'C'): Lead =>
  ({ ref, runId: ref.split('-')[0], source, icp: { score: 80, tier, components: [] }, state: 'awaiting_approval' }) as unknown as Lead;

/** Settings under which the global gates pass on a small, seeded sample (so segment tests can earn a proposal). */
const SMALL_GATES = {
  ...FAST_SANDBOX,
  webhooks: { bounce: { max_rate: 1 } },
  autonomy: { min_runs: 1, min_sample_decisions: 3, min_sample_sends: 10, min_days_without_intervention: 0, min_decisions: 3, min_clean_rate: 0.95, segment_min_sends: 10, anneal: { min_leads: 0 } },
};

describe('KPIs per segment and the graduation gates (real Redis)', () => {
  it('computes the gates from seeded events with exact rates, per day, campaign and segment', async () => {
    h = await createHarness('autonomy-gates', { ...FAST_SANDBOX, webhooks: { bounce: { max_rate: 1 } } });
    const { ctx } = h;
    const autonomy = createAutonomy(ctx);
    const feed = instantlyFeeder(ctx);
    // 200 mailed leads over 12 runs: competitor_gong/A and default/B.
    for (let i = 0; i < 200; i++) {
      const runId = `run_20260301_0000${String(i % 12).padStart(2, '0')}_abcdef`;
      await seedLead(ctx, { ref: `${runId}-l${i}`, runId, segment: i % 2 ? 'default/B' : 'competitor_gong/A', email: `p${i}@example.com` });
    }
    for (let i = 0; i < 200; i++) await feed('email_sent', `p${i}@example.com`);
    for (let i = 0; i < 109; i++) await feed('email_opened', `p${i}@example.com`);
    // A retried job (the same id) counts nothing twice.
    await feed('email_opened', 'p109@example.com', undefined, undefined, 'evt-retried');
    await feed('email_opened', 'p109@example.com', undefined, undefined, 'evt-retried');
    for (let i = 0; i < 20; i++) await feed('reply_received', `p${i}@example.com`);
    for (let i = 190; i < 196; i++) await feed('email_bounced', `p${i}@example.com`);
    // 100 decisions: 80 approved, 10 edited, 10 rejected; and 5 auto-approvals that are no person's decision.
    for (let i = 0; i < 100; i++) {
      const status = i < 80 ? 'approved' : i < 90 ? 'edited' : 'rejected';
      await autonomy.onDecision(decided(`run_x-d${i}`, status), lead(`run_x-d${i}`, 'default', 'B'));
    }
    for (let i = 0; i < 5; i++) await autonomy.onDecision(decided(`run_x-a${i}`, 'approved', 'auto_approve'), lead(`run_x-a${i}`, 'default', 'B'));

    // An approver marks one reply Interested: a positive reply for its segment, day and campaign.
    const replyId = `r${'0'.repeat(23)}1`;
    await ctx.replyService.replies.create({ id: replyId, ref: 'run_20260301_000000_abcdef-l0', channel: 'email', source: 'instantly', email: 'p0@example.com', linkedin_url: null, step: 1, text: 'Yes, tell me more', unibox_url: null, campaign_id: 'camp-1', received_at: new Date().toISOString() });
    expect((await ctx.replyService.decide(replyId, 'interested', 'UAPPROVER1')).ok).toBe(true);
    expect((await ctx.replyService.decide(replyId, 'interested', 'UAPPROVER2')).ok).toBe(false);

    const view = await autonomy.view();
    const gate = (id: string) => view.report.gates.find((g) => g.id === id)!;
    expect(gate('runs')).toMatchObject({ value: 12, status: 'pass' });
    expect(gate('icp_match')).toMatchObject({ value: 0.9, status: 'pass', sample: { n: 100, needed: 50 }, note: '10 edited (10.0%), 10 rejected' });
    expect(gate('open_rate')).toMatchObject({ value: 0.55, status: 'pass', sample: { n: 200, needed: 100 } });
    expect(gate('reply_rate')).toMatchObject({ value: 0.1, status: 'pass' });
    expect(gate('bounce_rate')).toMatchObject({ value: 0.03, status: 'pass' });
    // A rejected or edited email today is an intervention: the streak is 0.
    expect(gate('days_without_intervention')).toMatchObject({ value: 0, status: 'fail' });
    // Enough mailed leads, but no weight proposal reviewed yet.
    expect(gate('annealing')).toMatchObject({ status: 'fail', sample: { n: 200, needed: 100 } });
    expect(view.report.kpis).toMatchObject({ auto: 5, sent: 200, opened: 110, replied: 20, bounced: 6, positive: 1, positive_reply_rate: 0.005 });

    // Per segment: even leads are competitor_gong/A, odd ones default/B.
    const a = view.segments.find((s) => s.segment === 'competitor_gong/A')!;
    const b = view.segments.find((s) => s.segment === 'default/B')!;
    expect(a.kpis).toMatchObject({ sent: 100, opened: 55, replied: 10, bounced: 3, positive: 1, open_rate: 0.55, reply_rate: 0.1, bounce_rate: 0.03 });
    expect(b).toMatchObject({ decisions: 100, clean: 80, clean_rate: 0.8 });
    expect(b.kpis).toMatchObject({ sent: 100, opened: 55, replied: 10, bounced: 3, auto: 5 });
    // Per campaign and per day, the same counters.
    const kpis = createSegmentKpis(ctx.redis, ctx.keys);
    const campaign = await kpis.readCampaign('camp-1');
    expect(campaign.all).toMatchObject({ sent: 200, opened: 110, replied: 20, bounced: 6, positive: 1 });
    expect(campaign['competitor_gong/A']).toMatchObject({ sent: 100 });
    const [today] = await kpis.readDays([utcDay(new Date())]);
    expect(today!.all).toMatchObject({ sent: 200, approved: 80, edited: 10, rejected: 10, auto: 5 });
    // The outcomes of each lead are kept for the annealing.
    const outcomes = await kpis.outcomes(0, Date.now() + 1000);
    expect(outcomes.filter((o) => o.mailed)).toHaveLength(200);
    expect(outcomes.filter((o) => o.replied)).toHaveLength(20);
    expect(outcomes.filter((o) => o.positive).map((o) => o.ref)).toEqual(['run_20260301_000000_abcdef-l0']);
    expect(await kpis.mailedBetween(0, Date.now() + 1000)).toBe(200);
  });

  it('counts days without intervention, and a stop resets them to 0', async () => {
    h = await createHarness('autonomy-days');
    const { ctx } = h;
    const now = new Date();
    const kpis = createSegmentKpis(ctx.redis, ctx.keys);
    // CAIO started counting five days ago (an approval, which is no intervention).
    await kpis.recordDecision('default/A', 'approved', new Date(now.getTime() - 5 * DAY));
    const days = async (at: Date) => (await createAutonomy(ctx, () => at).view(at)).report.gates.find((g) => g.id === 'days_without_intervention')!;
    expect(await days(now)).toMatchObject({ value: 5, status: 'pass' });
    // A CRITICAL alert counts too.
    await ctx.notifier.alert('WARNING', 'just a warning');
    expect(await days(now)).toMatchObject({ value: 5 });

    await ctx.emergency.stop('UAPPROVER1', 'test stop');
    expect(await days(now)).toMatchObject({ value: 0, status: 'fail' });
    await ctx.emergency.clear();
    // Resumed, but today had a stop and a manual resume.
    expect(await days(now)).toMatchObject({ value: 0, status: 'fail' });
    expect(await days(new Date(now.getTime() + DAY))).toMatchObject({ value: 0 });
    expect(await days(new Date(now.getTime() + 3 * DAY))).toMatchObject({ value: 2, status: 'not_enough_data' });
    expect(await days(new Date(now.getTime() + 4 * DAY))).toMatchObject({ value: 3, status: 'pass' });
  });

  it('marks the day of a CRITICAL alert as one with an intervention', async () => {
    const recording = createRecordingNotifier();
    h = await createHarness('autonomy-critical');
    const { createContext } = await import('../../src/context.ts');
    const ctx = createContext({ config: h.config, logger: h.ctx.logger, redis: h.redis, notifier: recording.notifier });
    try {
      await createSegmentKpis(ctx.redis, ctx.keys).recordDecision('default/A', 'approved', new Date(Date.now() - 2 * DAY));
      await ctx.notifier.alert('CRITICAL', 'something broke');
      expect(recording.alerts).toHaveLength(1);
      const [today] = await createSegmentKpis(ctx.redis, ctx.keys).readDays([utcDay(new Date())]);
      expect(today!.all).toMatchObject({ critical: 1 });
      expect((await createAutonomy(ctx).view()).report.gates.find((g) => g.id === 'days_without_intervention')!.value).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});

describe('auto-approval proposals (real Redis)', () => {
  it('proposes once, enables once when two approvers click at once, refuses a stale card, and revokes on a reject', async () => {
    const recording = createRecordingNotifier();
    const proposals: Array<[string, string]> = [];
    h = await createHarness('autonomy-proposals', SMALL_GATES);
    const { createContext } = await import('../../src/context.ts');
    const ctx = createContext({ config: h.config, logger: h.ctx.logger, redis: h.redis, notifier: { ...recording.notifier, autonomyProposal: async (id, status) => void proposals.push([id, status]) } });
    try {
      await passGlobalGates(ctx);
      const autonomy = createAutonomy(ctx);
      const seg = 'competitor_gong/A';
      for (let i = 0; i < 3; i++) await autonomy.onDecision(decided(`run_x-p${i}`, 'approved'), lead(`run_x-p${i}`, 'competitor_gong', 'A'));
      expect(proposals).toHaveLength(1);
      const [firstId] = proposals[0]!;
      const first = (await autonomy.proposals.get(firstId))!;
      expect(first.data).toEqual({ kind: 'segment', segment: seg, decisions: 3, clean: 3 });

      // One more decision: the card is out of date; the click is refused and a new proposal posted.
      await autonomy.onDecision(decided('run_x-p3', 'approved'), lead('run_x-p3', 'competitor_gong', 'A'));
      expect(proposals).toHaveLength(1); // an open proposal is not re-posted for every decision
      const stale = await autonomy.enable(firstId, 'UAPPROVER1');
      expect(stale.kind).toBe('out_of_date');
      const next = stale.kind === 'out_of_date' ? stale.next! : null;
      expect(next!.data).toMatchObject({ decisions: 4, clean: 4 });
      expect((await autonomy.proposals.get(firstId))!).toMatchObject({ status: 'superseded', superseded_by: next!.id });
      expect(await autonomy.autoApproves(lead('run_y-1', 'competitor_gong', 'A'))).toBeNull();

      // Two approvers at once: enabled once, audited once.
      const [one, two] = await Promise.all([autonomy.enable(next!.id, 'UAPPROVER1'), autonomy.enable(next!.id, 'UAPPROVER2')]);
      expect([one.kind, two.kind].sort()).toEqual(['already_decided', 'done']);
      expect((await ctx.audit.list({ action: 'autonomy.enabled' })).map((e) => e.subject)).toEqual([seg]);
      expect(await autonomy.autoApproves(lead('run_y-1', 'competitor_gong', 'A'))).toBe(seg);
      // Never a sequence the crafter flagged as ungrounded, nor another segment.
      expect(await autonomy.autoApproves({ ...lead('run_y-2', 'competitor_gong', 'A'), craft: { grounded: false } } as unknown as Lead)).toBeNull();
      expect(await autonomy.autoApproves(lead('run_y-3', 'competitor_gong', 'B'))).toBeNull();

      // Auto-approvals count apart and do not earn anything.
      await autonomy.onDecision(decided('run_y-1', 'approved', `autonomy:${seg}`), lead('run_y-1', 'competitor_gong', 'A'));
      // A person rejects one of its emails: revoked, posted and audited; the segment earns from zero.
      await autonomy.onDecision(decided('run_x-p9', 'rejected'), lead('run_x-p9', 'competitor_gong', 'A'));
      expect(await autonomy.autoApproves(lead('run_y-4', 'competitor_gong', 'A'))).toBeNull();
      expect((await ctx.audit.list({ action: 'autonomy.revoked' }))[0]).toMatchObject({ subject: seg, details: { reason: expect.stringContaining('rejected one of its emails') } });
      expect(recording.alerts.find((a) => a.text.includes('Auto-approval of competitor_gong/A revoked'))).toBeDefined();
      const view = await autonomy.view();
      expect(view.segments.find((s) => s.segment === seg)).toMatchObject({ decisions: 0, enabled: null });
    } finally {
      await ctx.close();
    }
  });

  it("revokes an auto-approving segment whose bounce rate crosses the gate", async () => {
    h = await createHarness('autonomy-bounce', SMALL_GATES);
    const { ctx } = h;
    await passGlobalGates(ctx);
    const autonomy = createAutonomy(ctx);
    const seg = 'default/A';
    for (let i = 0; i < 3; i++) await autonomy.onDecision(decided(`run_x-b${i}`, 'approved'), lead(`run_x-b${i}`, 'default', 'A'));
    const open = (await autonomy.proposals.open(seg))!;
    expect((await autonomy.enable(open.id, 'UAPPROVER1')).kind).toBe('done');
    const feed = instantlyFeeder(ctx);
    for (let i = 0; i < 10; i++) await seedLead(ctx, { ref: `run_20260302_000000_bbbbbb-x${i}`, runId: 'run_20260302_000000_bbbbbb', segment: seg, email: `x${i}@example.com` });
    for (let i = 0; i < 10; i++) {
      await feed('email_sent', `x${i}@example.com`);
      if (i < 2) await feed('reply_received', `x${i}@example.com`);
    }
    expect(await autonomy.autoApproves(lead('run_y-1', 'default', 'A'))).toBe(seg);
    await feed('email_bounced', 'x9@example.com');
    expect(await autonomy.autoApproves(lead('run_y-1', 'default', 'A'))).toBeNull();
    expect((await ctx.audit.list({ action: 'autonomy.revoked' }))[0]!.details!.reason).toContain('bounce rate 10.0% over 10 sends');
  });
});

describe('self-annealing (real Redis)', () => {
  it('proposes the predictive feature up within the bound, applies it through the policy, refuses a stale card, and reverts', async () => {
    const proposals: Array<[string, string]> = [];
    h = await createHarness('autonomy-anneal');
    const { createContext } = await import('../../src/context.ts');
    const recording = createRecordingNotifier();
    const ctx = createContext({ config: h.config, logger: h.ctx.logger, redis: h.redis, notifier: { ...recording.notifier, autonomyProposal: async (id, status) => void proposals.push([id, status]) } });
    try {
      const kpis = createSegmentKpis(ctx.redis, ctx.keys);
      const at = new Date(Date.now() - DAY);
      const outcomes = syntheticOutcomes();
      for (const o of outcomes) await seedLead(ctx, { ref: o.ref, runId: 'run_20260101_000000_aaaaaa', segment: o.segment, email: `${o.ref}@example.com`.toLowerCase(), features: o.features, at });
      let n = 0;
      for (const o of outcomes) {
        await kpis.recordEmailEvent({ eventId: `s${++n}`, segment: o.segment, metric: 'sent', day: utcDay(at), campaignId: null, ref: o.ref });
        if (o.replied) await kpis.recordEmailEvent({ eventId: `r${n}`, segment: o.segment, metric: 'replied', day: utcDay(at), campaignId: null, ref: o.ref });
      }
      const annealing = createAnnealing(ctx);
      const before = (await ctx.policy.icp())!.weights;
      const run = await annealing.propose('UAPPROVER1');
      expect(run.kind).toBe('proposed');
      const proposal = run.kind === 'proposed' ? run.proposal : null;
      const analysis = proposal!.data.kind === 'anneal' ? proposal!.data.analysis : null;
      expect(analysis!.after).toEqual({ ...before, signals: before.signals * 1.2 });
      expect(analysis!.features.find((f) => f.feature === 'signals')).toMatchObject({ verdict: 'up', with: { n: 320, replied: 128 }, without: { n: 320, replied: 16 } });
      expect(proposals).toEqual([[proposal!.id, 'open']]);
      // Nothing changed without a click.
      expect((await ctx.policy.icp())!.weights).toEqual(before);

      // A late reply in the window: the card is out of date; the click is refused and a new one posted.
      const late = outcomes.find((o) => !o.replied)!;
      await kpis.recordEmailEvent({ eventId: 'late', segment: late.segment, metric: 'replied', day: utcDay(at), campaignId: null, ref: late.ref });
      const stale = await annealing.apply(proposal!.id, 'UAPPROVER1');
      expect(stale).toMatchObject({ kind: 'out_of_date' });
      expect((await ctx.policy.icp())!.weights).toEqual(before);
      const fresh = stale.kind === 'out_of_date' ? stale.next! : null;
      expect(fresh).not.toBeNull();

      // Two approvers click Apply at once: one policy change.
      const version = (await ctx.policy.read()).ok ? ((await ctx.policy.read()) as { stored: { version: number } }).stored.version : 0;
      const [x, y] = await Promise.all([annealing.apply(fresh!.id, 'UAPPROVER1'), annealing.apply(fresh!.id, 'UAPPROVER2')]);
      expect([x.kind, y.kind].sort()).toEqual(['already_decided', 'done']);
      ctx.policy.invalidate();
      const read = await ctx.policy.read();
      expect(read.ok && read.stored.version).toBe(version + 1);
      expect((await ctx.policy.icp())!.weights).toEqual({ ...before, signals: 12 });
      expect((await ctx.audit.list({ action: 'policy.change' })).at(-1)).toMatchObject({ details: { before: { 'icp.weights.signals': 10 }, after: { 'icp.weights.signals': 12 } } });
      expect(await ctx.audit.list({ action: 'autonomy.anneal.applied' })).toHaveLength(1);
      expect(recording.alerts.some((a) => a.text.includes('icp.weights.signals: 10 → 12'))).toBe(true);
      // The loop is validated: the gate now sees a reviewed proposal.
      expect((await createAutonomy(ctx).view()).report.gates.find((g) => g.id === 'annealing')).toMatchObject({ status: 'pass' });

      const reverted = await annealing.revert('cli:tester');
      expect(reverted.kind).toBe('reverted');
      expect((await ctx.policy.icp())!.weights).toEqual(before);
      expect(await ctx.audit.list({ action: 'autonomy.anneal.reverted' })).toHaveLength(1);
      expect((await annealing.revert('cli:tester')).kind).toBe('nothing_to_revert');
    } finally {
      await ctx.close();
    }
  });
});
